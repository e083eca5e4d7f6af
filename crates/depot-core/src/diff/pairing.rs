//! Pairing by name: old and new items (objects, columns, views) by logical name or by an
//! explicit `previousNames` entry.

use super::*;

/// Pairs new items with old ones: by logical name, else by the one entry of the new item's
/// previous names that names an old item the new version no longer has. `in_old` tells, per
/// new item, whether the old version has an item of its logical name; `old` and `new_has` tell
/// whether the old and the new version have an item of a logical name. `kind` and `prefix` only
/// shape refusal messages (`object`, `Dog.`).
pub(super) fn pair_by_name<'a>(
    in_old: &[bool],
    old: impl Fn(&str) -> bool,
    new: &[(&'a str, &'a [String])],
    new_has: impl Fn(&str) -> bool,
    kind: &str,
    prefix: &str,
    refusals: &mut Vec<Refusal>,
) -> Pairs<'a> {
    let mut pairs = Pairs {
        old_of: Vec::with_capacity(new.len()),
        renamed: BTreeSet::new(),
    };
    // Old name -> the new items (indexes into `new`) naming it in their previous names.
    let mut claims: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, ((logical, previous), in_old)) in new.iter().zip(in_old).enumerate() {
        if *in_old {
            pairs.old_of.push(Some(*logical));
            continue;
        }
        pairs.old_of.push(None);
        if previous.is_empty() {
            continue;
        }
        let candidates: Vec<&str> = previous
            .iter()
            .map(String::as_str)
            .filter(|p| old(p) && !new_has(p))
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => claims.entry(*one).or_default().push(i),
            many => refusals.push(Refusal::new(
                format!("{prefix}{logical}"),
                format!(
                    "previousNames {} each name a {kind} of the deployed version; keep only the \
                     name it was renamed from",
                    many.join(", ")
                ),
            )),
        }
    }
    for (old_name, claimers) in claims {
        match claimers.as_slice() {
            [one] => {
                pairs.old_of[*one] = Some(old_name);
                pairs.renamed.insert(old_name);
            }
            many => refusals.push(Refusal::new(
                format!("{prefix}{old_name}"),
                format!(
                    "{} all list {old_name} in previousNames; a {kind} can be renamed to one \
                     name only",
                    many.iter()
                        .map(|i| format!("{prefix}{}", new[*i].0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
    pairs
}

/// Walks two name-ordered lists of names (the keys of two maps) together: per `new` name, the
/// position of the same name in `old`; per `old` name, whether `new` has it.
pub(super) fn merge_names<'a>(
    old: impl ExactSizeIterator<Item = &'a String>,
    new: impl ExactSizeIterator<Item = &'a String>,
) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut old_index = Vec::with_capacity(new.len());
    let mut new_has_old = vec![false; old.len()];
    let mut old = old.enumerate().peekable();
    for name in new {
        while old.next_if(|(_, o)| *o < name).is_some() {}
        match old.next_if(|(_, o)| *o == name) {
            Some((j, _)) => {
                new_has_old[j] = true;
                old_index.push(Some(j));
            }
            None => old_index.push(None),
        }
    }
    (old_index, new_has_old)
}

/// Pairs is what [`pair_by_name`] found.
pub(super) struct Pairs<'a> {
    /// Per new item, in the order given: the logical name of its old item, if any.
    pub(super) old_of: Vec<Option<&'a str>>,
    /// Old items paired with a new item of another logical name (renamed).
    pub(super) renamed: BTreeSet<&'a str>,
}

impl Pairs<'_> {
    /// True when the old item `old` has a new one: a new item of the same logical name (which
    /// always pairs with it), or one renamed from it. `new_has` as given to [`pair_by_name`].
    pub(super) fn paired_old(&self, old: &str, new_has: impl Fn(&str) -> bool) -> bool {
        new_has(old) || self.renamed.contains(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn merge_names_finds_what_a_search_would() {
        let lists: [&[&str]; 6] = [
            &[],
            &["a"],
            &["a", "b", "c"],
            &["B", "a", "ab", "b"],
            &["Entity00001", "Entity00002", "Entity00010"],
            &["a", "aa", "aaa", "b", "c", "d"],
        ];
        for old in lists {
            for new in lists {
                let old_keys: BTreeSet<String> = old.iter().map(|s| s.to_string()).collect();
                let new_keys: BTreeSet<String> = new.iter().map(|s| s.to_string()).collect();
                let (old_index, new_has_old) = merge_names(old_keys.iter(), new_keys.iter());
                let olds: Vec<&String> = old_keys.iter().collect();
                let expected_index: Vec<Option<usize>> = new_keys
                    .iter()
                    .map(|n| olds.iter().position(|o| *o == n))
                    .collect();
                let expected_has: Vec<bool> = olds.iter().map(|o| new_keys.contains(*o)).collect();
                assert_eq!(old_index, expected_index, "{old:?} -> {new:?}");
                assert_eq!(new_has_old, expected_has, "{old:?} -> {new:?}");
            }
        }
    }
}
