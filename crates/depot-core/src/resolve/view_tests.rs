//! Resolving views: dependency order, cycles, located problems, and what a `SELECT *` reads.

use super::tests::{dogs, pg, problems, resolved};
use super::*;
use crate::view::test_dialect::POSTGRES;
use serde_json::json;

#[test]
fn views_read_views_in_dependency_order() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "AOldVaccinated": {"kind": "view", "query": "SELECT bornOn FROM BVaccinated WHERE bornOn < '2015-01-01'"},
        "BVaccinated": {"kind": "view", "query": "SELECT d.name, d.birthDate AS bornOn, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId WHERE d.vaccinated"},
    });
    let m = resolved(&pg(schemas), POSTGRES);
    let a = &m.views["AOldVaccinated"];
    assert_eq!(
        a.sql,
        "SELECT born_on FROM ws_dev_dog_src.b_vaccinated WHERE born_on < '2015-01-01'"
    );
    assert_eq!(
        a.reads,
        BTreeMap::from([(
            "BVaccinated".to_string(),
            BTreeSet::from(["bornOn".to_string()])
        )])
    );
    let b = &m.views["BVaccinated"];
    assert_eq!(
        b.sql,
        "SELECT d.name, d.birth_date AS born_on, b.breed_name FROM ws_dev_dog_src.dog d JOIN ws_dev_breeds.breed b ON b.id = d.breed_id WHERE d.vaccinated"
    );
    assert_eq!(b.reads_dependencies, BTreeSet::from(["Breeds".to_string()]));
}

#[test]
fn view_cycles_are_reported_for_every_member() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "A": {"kind": "view", "query": "SELECT id FROM B"},
        "B": {"kind": "view", "query": "SELECT id FROM A"},
        "C": {"kind": "view", "query": "SELECT id FROM C"},
        "D": {"kind": "view", "query": "SELECT id, nope FROM A"},
    });
    let got = problems(&pg(schemas), POSTGRES);
    let summary: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(r, p, m)| (*r, p.as_str(), m.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                rules::VIEW_CYCLE,
                "package.schemas.A.query",
                "view `A` is part of a cycle of views reading each other: A -> B -> A"
            ),
            (
                rules::VIEW_CYCLE,
                "package.schemas.B.query",
                "view `B` is part of a cycle of views reading each other: B -> A -> B"
            ),
            (
                rules::VIEW_CYCLE,
                "package.schemas.C.query",
                "view `C` is part of a cycle of views reading each other: C -> C"
            ),
        ],
        "D reads a view of the cycle: its columns are unknown, so nothing more is reported"
    );
}

#[test]
fn view_problems_are_located_and_all_reported() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "Bad": {"kind": "view", "query": "SELECT colour FROM Dog"},
        "Worse": {"kind": "view", "queries": {"postgres": "SELECT id FROM Cat"}, "query": "SELECT 1"},
        "OnlySnowflake": {"kind": "view", "queries": {"snowflake": "SELECT 1"}},
    });
    let got = problems(&pg(schemas), POSTGRES);
    let summary: Vec<(&str, &str)> = got.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
    assert_eq!(
        summary,
        [
            (rules::MISSING_QUERY, "package.schemas.OnlySnowflake.query"),
            (rules::UNKNOWN_FIELD, "package.schemas.Bad.query"),
            (
                rules::UNKNOWN_SCHEMA,
                "package.schemas.Worse.queries.postgres"
            ),
        ]
    );
    assert!(
        got[1].2.contains("view `Bad`") && got[1].2.contains("Dog") && got[1].2.contains("colour"),
        "{}",
        got[1].2
    );
}

#[test]
fn a_select_star_view_records_the_object_it_reads() {
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "AllDogs": {"kind": "view", "query": "SELECT * FROM Dog"},
    });
    let m = resolved(&pg(schemas), POSTGRES);
    assert!(
        m.views["AllDogs"].reads.contains_key("Dog"),
        "{:?}",
        m.views["AllDogs"].reads
    );
    assert!(m.views["AllDogs"].reads_every_column.contains("Dog"));
    // A view naming its columns does not read every column.
    let schemas = json!({
        "Dog": dogs()["Dog"],
        "Names": {"kind": "view", "query": "SELECT name FROM Dog"},
    });
    let m = resolved(&pg(schemas), POSTGRES);
    assert!(m.views["Names"].reads_every_column.is_empty());
}
