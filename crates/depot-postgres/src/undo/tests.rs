//! Tests of the PostgreSQL undo helpers.

use super::*;

#[test]
fn renamed_columns_are_replaced_outside_strings_and_calls() {
    let renames = vec![
        ("age".to_string(), "years".to_string()),
        ("Name".to_string(), "order".to_string()),
    ];
    assert_eq!(
        rename_columns(
            "age > 0 AND \"Name\" <> 'age' AND age(now()) IS NOT NULL AND ages = 1",
            &renames
        ),
        "years > 0 AND \"order\" <> 'age' AND age(now()) IS NOT NULL AND ages = 1"
    );
    assert_eq!(rename_columns("it's", &[]), "it's");
}
