//! Lenient scalar reading: CloudFormation passes every scalar property as a string (`"5432"`,
//! `"true"`), so numbers and booleans are accepted in either form.
// STUB: implemented by the validation work.
