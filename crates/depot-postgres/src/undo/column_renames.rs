//! Columns the plan renames, and an old expression rewritten with their new names.

use depot_core::change::Name;
use depot_core::undo::Before;

use crate::dialect::quote_ident;

/// Old physical name -> new physical name of the columns of `object` that the plan renames.
pub(super) fn renamed_columns(before: &Before<'_>, object: &Name) -> Vec<(String, String)> {
    let Some(old) = before.object(object) else {
        return Vec::new();
    };
    old.columns
        .iter()
        .filter_map(|c| {
            let now = before.current_columns(object, std::slice::from_ref(&c.physical));
            let now = now.into_iter().next()?;
            (now != c.physical).then(|| (c.physical.clone(), now))
        })
        .collect()
}

/// `sql` (an expression as the core prints it) with each column name of `renames` replaced by
/// its new name: names outside string constants, bare or double-quoted, not followed by `(` (a
/// function of the same name stays).
pub(super) fn rename_columns(sql: &str, renames: &[(String, String)]) -> String {
    if renames.is_empty() {
        return sql.to_string();
    }
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A string constant, '' inside it included.
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.extend(&chars[start..i]);
            continue;
        }
        let (name, end) = if c == '"' {
            let mut name = String::new();
            let mut j = i + 1;
            while j < chars.len() {
                if chars[j] == '"' {
                    if chars.get(j + 1) == Some(&'"') {
                        name.push('"');
                        j += 2;
                        continue;
                    }
                    break;
                }
                name.push(chars[j]);
                j += 1;
            }
            (Some(name), (j + 1).min(chars.len()))
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '$')
            {
                j += 1;
            }
            (Some(chars[i..j].iter().collect::<String>()), j)
        } else {
            (None, i + 1)
        };
        let called = chars[end..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
        match name.and_then(|n| renames.iter().find(|(old, _)| *old == n)) {
            Some((_, new)) if !called => out.push_str(&quote_ident(new)),
            Some(_) | None => out.extend(&chars[i..end]),
        }
        i = end;
    }
    out
}
