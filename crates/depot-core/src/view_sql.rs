//! View SQL analysis and rewriting with sqlparser: logical names -> physical, quoted names.
// STUB: implemented by the validation work.
