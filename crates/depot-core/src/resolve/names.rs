//! Physical names: length limits, claims on the namespace's relation names, generated names
//! (`<table>_pkey`, `<table>_<index>_idx`) and column-name collisions.

use super::*;

impl<'p> Resolver<'_, 'p> {
    /// names (`what`) and where (`at`) are worked out only then.
    pub(super) fn check_length(
        &mut self,
        physical: &str,
        what: impl FnOnce() -> String,
        at: impl FnOnce() -> At,
    ) {
        let max = self.dialect.max_identifier_bytes();
        if physical.len() > max {
            self.problems.push(at().problem(
                rules::IDENTIFIER_TOO_LONG,
                format!(
                    "the physical name `{physical}` of {} is {} bytes; {} keeps at most {max}: shorten the name or set a shorter `sqlName`",
                    what(),
                    physical.len(),
                    self.dialect.engine().as_str()
                ),
            ));
        }
    }

    /// claim reserves a relation name of the namespace, reporting a collision.
    pub(super) fn claim(&mut self, physical: &str, what: Holder<'p>, at: impl FnOnce() -> At) {
        // One lookup: the key is owned from the start, as a name is claimed far more often
        // than it collides.
        match self.relations.entry(physical.to_string()) {
            Entry::Occupied(other) => self.problems.push(at().problem(
                rules::NAME_COLLISION,
                format!(
                    "{what} and {} both get the physical name `{physical}`: relations share one namespace; rename one or set `sqlName`",
                    other.get()
                ),
            )),
            Entry::Vacant(slot) => {
                slot.insert(what);
            }
        }
    }

    /// [`Self::claim`] of a name of an object: deferred when the object is resolved on its own.
    pub(super) fn claim_at(&mut self, physical: &str, what: Holder<'p>, loc: Loc<'p>) {
        match &mut self.deferred_claims {
            Some(deferred) => deferred.push(DeferredClaim {
                physical: physical.to_string(),
                what,
                loc,
                problems_before: self.problems.len(),
            }),
            None => self.claim(physical, what, || loc.at()),
        }
    }

    /// The generated name `parts` joined by `_` (`<table>_pkey`, `<table>_<index>_idx`),
    /// fitted to the engine's identifiers by [`generated_name`].
    pub(super) fn generated(&self, parts: &[&str]) -> String {
        let mut full = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                full.push('_');
            }
            full.push_str(part);
        }
        let max = self.dialect.max_identifier_bytes();
        if full.len() <= max {
            full
        } else {
            generated_name(&full, max, self.naming)
        }
    }
}

/// True when two columns have one physical name.
pub(super) fn has_duplicate(columns: &[PhysicalColumn]) -> bool {
    if columns.len() <= 24 {
        // Few enough to compare pairwise without sorting a copy.
        columns
            .iter()
            .enumerate()
            .any(|(i, a)| columns[..i].iter().any(|b| a.physical == b.physical))
    } else {
        let mut names: Vec<&str> = columns.iter().map(|c| c.physical.as_str()).collect();
        names.sort_unstable();
        names.windows(2).any(|w| w[0] == w[1])
    }
}
