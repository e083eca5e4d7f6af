//! `dependencies`: the aliases view queries use for other datasets, each naming a dataset alias
//! or id.

use std::collections::BTreeMap;

use crate::json::{JsonObject, JsonValue};
use crate::lenient;
use crate::reader::{Place, Reader};
use crate::rules;
use crate::validate::{is_logical_name, NAME_RULE};

/// read_dependencies reads `dependencies`: alias in view queries -> dataset alias or id.
pub(super) fn read_dependencies<J: JsonValue>(
    r: &mut Reader,
    value: &J,
    at: &Place<'_>,
) -> Option<BTreeMap<String, String>> {
    let Some(map) = value.as_object() else {
        r.report(
            at,
            rules::WRONG_JSON_TYPE,
            format!(
                "`dependencies` must be an object (alias in view queries -> dataset alias or id), not {}",
                lenient::kind(value)
            ),
        );
        return None;
    };
    let before = r.problems.len();
    let mut out = BTreeMap::new();
    for (alias, target) in map.members() {
        let dat = at.key(alias);
        if !is_logical_name(alias) {
            r.report(
                &dat,
                rules::INVALID_NAME,
                format!("dependency alias `{alias}` is not a valid name: {NAME_RULE}"),
            );
        }
        if let Some(t) = r.non_empty_string(
            target,
            &dat,
            format_args!("dependency `{alias}` (a dataset alias or id)"),
        ) {
            out.insert(alias.to_string(), t);
        }
    }
    (r.problems.len() == before).then_some(out)
}
