//! The rewriter's behaviour on whole views, against the catalog of [`crate::view::fixture`].

use super::*;
use crate::view::fixture::{errors, ok, r, reads, run};
use crate::view::test_dialect::{POSTGRES, SNOWFLAKE};

#[test]
fn the_spec_example_rewrites_to_physical_names() {
    assert_eq!(
        ok("SELECT id, name, birthDate FROM Dog WHERE vaccinated"),
        "SELECT id, name, birth_date FROM ws_dev_dog_src.dog WHERE vaccinated"
    );
    assert_eq!(
        reads("SELECT id, name, birthDate FROM Dog WHERE vaccinated"),
        [r("Dog", &["id", "name", "birthDate", "vaccinated"])]
    );
}

#[test]
fn reserved_words_and_mixed_case_come_out_quoted() {
    assert_eq!(
            ok("SELECT u.id, d.order FROM User u JOIN Dog d ON d.ownerId = u.id"),
            "SELECT u.id, d.\"order\" FROM ws_dev_dog_src.\"user\" u JOIN ws_dev_dog_src.dog d ON d.owner_id = u.id"
        );
}

#[test]
fn qualifiers_aliases_and_output_aliases() {
    assert_eq!(
        ok("SELECT Dog.birthDate AS bornOn FROM Dog ORDER BY bornOn DESC"),
        "SELECT dog.birth_date AS born_on FROM ws_dev_dog_src.dog ORDER BY born_on DESC"
    );
    assert_eq!(
        ok("SELECT d.name AS dogName FROM Dog d ORDER BY d.name"),
        "SELECT d.name AS dog_name FROM ws_dev_dog_src.dog d ORDER BY d.name"
    );
    assert_eq!(
        ok("SELECT ownerId AS who, count(*) AS dogCount FROM Dog GROUP BY who"),
        "SELECT owner_id AS who, count(*) AS dog_count FROM ws_dev_dog_src.dog GROUP BY who"
    );
}

#[test]
fn joins_functions_case_grouping_and_having() {
    let sql = "SELECT o.fullName, count(*) AS dogs, max(CASE WHEN d.vaccinated THEN 1 ELSE 0 END) AS anyVaccinated \
                   FROM Owner o LEFT JOIN Dog d ON d.ownerId = o.id AND d.birthDate > DATE '2020-01-01' \
                   GROUP BY o.fullName HAVING count(d.id) > 1 ORDER BY 2 DESC LIMIT 10";
    assert_eq!(
            ok(sql),
            "SELECT o.full_name, count(*) AS dogs, max(CASE WHEN d.vaccinated THEN 1 ELSE 0 END) AS any_vaccinated \
             FROM ws_dev_dog_src.owner o LEFT JOIN ws_dev_dog_src.dog d ON d.owner_id = o.id AND d.birth_date > DATE '2020-01-01' \
             GROUP BY o.full_name HAVING count(d.id) > 1 ORDER BY 2 DESC LIMIT 10"
        );
    assert_eq!(
        reads(sql),
        [
            r("Dog", &["vaccinated", "ownerId", "birthDate", "id"]),
            r("Owner", &["fullName", "id"])
        ]
    );
    assert_eq!(
            ok("SELECT coalesce(fullName, name) AS label, row_number() OVER (PARTITION BY name ORDER BY id) AS n FROM Owner"),
            "SELECT coalesce(full_name, name) AS label, row_number() OVER (PARTITION BY name ORDER BY id) AS n FROM ws_dev_dog_src.owner"
        );
}

#[test]
fn subqueries_in_where_resolve_through_enclosing_scopes() {
    assert_eq!(
            ok("SELECT fullName FROM Owner o WHERE EXISTS (SELECT 1 FROM Dog d WHERE d.ownerId = o.id AND vaccinated)"),
            "SELECT full_name FROM ws_dev_dog_src.owner o WHERE EXISTS (SELECT 1 FROM ws_dev_dog_src.dog d WHERE d.owner_id = o.id AND vaccinated)"
        );
    assert_eq!(
            ok("SELECT fullName FROM Owner WHERE id IN (SELECT ownerId FROM Dog WHERE birthDate IS NULL)"),
            "SELECT full_name FROM ws_dev_dog_src.owner WHERE id IN (SELECT owner_id FROM ws_dev_dog_src.dog WHERE birth_date IS NULL)"
        );
    // A correlated reference without qualifier: not in the inner FROM, found outside.
    assert_eq!(
            ok("SELECT id, (SELECT count(*) FROM Dog d WHERE d.name = fullName) AS namesakes FROM Owner"),
            "SELECT id, (SELECT count(*) FROM ws_dev_dog_src.dog d WHERE d.name = full_name) AS namesakes FROM ws_dev_dog_src.owner"
        );
    // The innermost FROM wins: `id` here is the dog's, as in SQL.
    assert_eq!(
        reads("SELECT fullName FROM Owner WHERE EXISTS (SELECT 1 FROM Dog WHERE id = 1)"),
        [r("Dog", &["id"]), r("Owner", &["fullName"])]
    );
}

#[test]
fn subqueries_in_from_expose_their_output_columns() {
    assert_eq!(
            ok("SELECT x.bornOn, x.birthDate FROM (SELECT birthDate AS bornOn, birthDate FROM Dog) AS x"),
            "SELECT x.born_on, x.birth_date FROM (SELECT birth_date AS born_on, birth_date FROM ws_dev_dog_src.dog) AS x"
        );
    let e = errors("SELECT x.name FROM (SELECT birthDate FROM Dog) AS x");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, rules::UNKNOWN_FIELD);
    assert!(e[0].1.contains("`name` is not a field of x"), "{}", e[0].1);
}

#[test]
fn set_operations_and_their_order_by() {
    assert_eq!(
            ok("SELECT name FROM Dog UNION ALL SELECT fullName FROM Owner ORDER BY name"),
            "SELECT name FROM ws_dev_dog_src.dog UNION ALL SELECT full_name FROM ws_dev_dog_src.owner ORDER BY name"
        );
    assert_eq!(
            ok("SELECT birthDate FROM Dog EXCEPT SELECT birthDate FROM Dog WHERE vaccinated ORDER BY birthDate"),
            "SELECT birth_date FROM ws_dev_dog_src.dog EXCEPT SELECT birth_date FROM ws_dev_dog_src.dog WHERE vaccinated ORDER BY birth_date"
        );
}

#[test]
fn wildcards_read_every_field() {
    assert_eq!(
        ok("SELECT * FROM Owner"),
        "SELECT owner.id, owner.name, owner.full_name FROM ws_dev_dog_src.owner",
        "`*` is written out in the new version's column order"
    );
    assert_eq!(
        reads("SELECT * FROM Owner"),
        [r("Owner", &["id", "name", "fullName"])]
    );
    assert_eq!(
            ok("SELECT Owner.*, d.name FROM Owner JOIN Dog d ON d.ownerId = Owner.id"),
            "SELECT owner.id, owner.name, owner.full_name, d.name FROM ws_dev_dog_src.owner JOIN ws_dev_dog_src.dog d ON d.owner_id = owner.id"
        );
    assert_eq!(
        reads("SELECT o.* FROM Owner o JOIN Dog d ON d.ownerId = o.id"),
        [
            r("Dog", &["ownerId"]),
            r("Owner", &["id", "name", "fullName"])
        ]
    );
    assert_eq!(reads("SELECT count(*) FROM Dog"), [r("Dog", &[])]);
}

#[test]
fn ctes_stay_as_written_and_expose_their_columns() {
    assert_eq!(
            ok("WITH recent AS (SELECT id, birthDate FROM Dog WHERE birthDate > '2024-01-01') SELECT r.birthDate FROM recent r JOIN Owner ON Owner.id = r.id"),
            "WITH recent AS (SELECT id, birth_date FROM ws_dev_dog_src.dog WHERE birth_date > '2024-01-01') SELECT r.birth_date FROM recent r JOIN ws_dev_dog_src.owner ON owner.id = r.id"
        );
    assert_eq!(
            ok("WITH counts (ownerId, dogCount) AS (SELECT ownerId, count(*) FROM Dog GROUP BY ownerId) SELECT dogCount FROM counts"),
            "WITH counts (owner_id, dog_count) AS (SELECT owner_id, count(*) FROM ws_dev_dog_src.dog GROUP BY owner_id) SELECT dog_count FROM counts"
        );
    assert_eq!(
            ok("WITH RECURSIVE n (depth) AS (SELECT 1 UNION ALL SELECT depth + 1 FROM n WHERE depth < 3) SELECT depth FROM n"),
            "WITH RECURSIVE n (depth) AS (SELECT 1 UNION ALL SELECT depth + 1 FROM n WHERE depth < 3) SELECT depth FROM n"
        );
}

#[test]
fn join_using_is_rewritten() {
    assert_eq!(
        ok("SELECT fullName FROM Owner JOIN Dog USING (name)"),
        "SELECT full_name FROM ws_dev_dog_src.owner JOIN ws_dev_dog_src.dog USING(name)"
    );
    assert_eq!(
        reads("SELECT 1 FROM Owner JOIN Dog USING (name)"),
        [r("Dog", &["name"]), r("Owner", &["name"])]
    );
    // The merged column is not ambiguous; the other common one still is.
    assert_eq!(
        ok("SELECT name FROM Owner JOIN Dog USING (name)"),
        "SELECT name FROM ws_dev_dog_src.owner JOIN ws_dev_dog_src.dog USING(name)"
    );
    assert_eq!(
        errors("SELECT id FROM Owner JOIN Dog USING (name)")[0].0,
        rules::AMBIGUOUS_FIELD
    );
}

#[test]
fn dependencies_are_rewritten_to_their_namespace() {
    let v = run(
        POSTGRES,
        "SELECT d.name, b.breedName FROM Dog d JOIN Breeds.Breed b ON b.id = d.breedId",
    )
    .unwrap();
    assert_eq!(
            v.sql,
            "SELECT d.name, b.breed_name FROM ws_dev_dog_src.dog d JOIN ws_breeds.breed b ON b.id = d.breed_id"
        );
    assert_eq!(
        v.reads_dependencies.into_iter().collect::<Vec<_>>(),
        ["Breeds"]
    );
    assert_eq!(
        v.reads.keys().collect::<Vec<_>>(),
        ["Dog"],
        "dependency reads are not this dataset's"
    );
    assert_eq!(
        ok("SELECT Breed.breedName, Breeds.Breed.id FROM Breeds.Breed"),
        "SELECT ws_breeds.breed.breed_name, ws_breeds.breed.id FROM ws_breeds.breed"
    );
}

#[test]
fn views_of_the_package_are_read_by_their_output_columns() {
    let v = run(POSTGRES, "SELECT puppyName FROM Puppy").unwrap();
    assert_eq!(v.sql, "SELECT puppy_name FROM ws_dev_dog_src.puppy");
    assert_eq!(
        v.reads.into_iter().collect::<Vec<_>>(),
        [(
            "Puppy".to_string(),
            BTreeSet::from(["puppyName".to_string()])
        )]
    );
    assert_eq!(
        v.columns,
        Some(vec![Column {
            logical: "puppyName".into(),
            physical: "puppy_name".into()
        }])
    );
    // A broken view's columns are unknown: no follow-on problem, names follow the strategy.
    assert_eq!(
        ok("SELECT someField FROM Broken"),
        "SELECT some_field FROM ws_dev_dog_src.broken"
    );
}

#[test]
fn snowflake_gets_upper_case_names() {
    let v = run(
        SNOWFLAKE,
        "SELECT birthDate, DATEADD(day, 1, birthDate) AS nextDay FROM Dog WHERE vaccinated",
    )
    .unwrap();
    assert_eq!(
            v.sql,
            "SELECT BIRTH_DATE, DATEADD(day, 1, BIRTH_DATE) AS NEXT_DAY FROM WS_DEV_DOG_SRC.DOG WHERE VACCINATED"
        );
}

#[test]
fn unknown_names_are_reported_with_view_table_and_field() {
    let e = errors("SELECT nme FROM Dog");
    assert_eq!(e[0].0, rules::UNKNOWN_FIELD);
    assert!(e[0].1.starts_with("view `V`:"), "{}", e[0].1);
    assert!(e[0].1.contains("`nme` is not a field of Dog"), "{}", e[0].1);
    assert!(e[0].1.contains("birthDate"), "lists the fields: {}", e[0].1);

    let e = errors("SELECT birthdate FROM Dog");
    assert!(e[0].1.contains("did you mean `birthDate`"), "{}", e[0].1);

    let e = errors("SELECT d.color FROM Dog d");
    assert!(
        e[0].1
            .contains("`d.color`: `color` is not a field of Dog (as d)"),
        "{}",
        e[0].1
    );

    let e = errors("SELECT id FROM Cat");
    assert_eq!(e.len(), 1, "no follow-on problem for `id`: {e:?}");
    assert_eq!(e[0].0, rules::UNKNOWN_SCHEMA);
    assert!(e[0].1.contains("`Cat`"), "{}", e[0].1);

    let e = errors("SELECT id FROM dog");
    assert!(e[0].1.contains("did you mean `Dog`"), "{}", e[0].1);

    let e = errors("SELECT x.name FROM Dog d");
    assert_eq!(e[0].0, rules::UNKNOWN_TABLE);
    assert!(e[0].1.contains("Dog (as d)"), "{}", e[0].1);

    let e = errors("SELECT id FROM Dog, Owner");
    assert_eq!(e[0].0, rules::AMBIGUOUS_FIELD);
    assert!(e[0].1.contains("Dog, Owner"), "{}", e[0].1);

    let e = errors("SELECT vaccinated, fullNam FROM Dog, Owner");
    assert_eq!(e[0].0, rules::UNKNOWN_FIELD);
    assert!(
        e[0].1.contains("any table in its FROM clause (Dog, Owner)"),
        "{}",
        e[0].1
    );

    let e = errors("SELECT 1 FROM Dog LIMIT id");
    assert_eq!(e[0].0, rules::UNKNOWN_FIELD, "{e:?}");
}

#[test]
fn a_dependency_view_is_read_by_its_published_columns() {
    assert_eq!(
        ok("SELECT r.breedName FROM Breeds.RareBreed r"),
        "SELECT r.breed_name FROM ws_breeds.rare_breed r"
    );
}

#[test]
fn dependency_problems() {
    let e = errors("SELECT id FROM Cats.Cat");
    assert_eq!(e[0].0, rules::UNKNOWN_DEPENDENCY);
    assert!(e[0].1.contains("declared: Breeds, Vets"), "{}", e[0].1);
    let e = errors("SELECT id FROM Breeds.Breeed");
    assert_eq!(e[0].0, rules::UNKNOWN_SCHEMA);
    assert!(
        e[0].1
            .contains("its schemas: Breed, PopularBreed, RareBreed"),
        "{}",
        e[0].1
    );
    let e = errors("SELECT id FROM Vets.Vet");
    assert_eq!(e[0].0, rules::UNKNOWN_SCHEMA);
    assert!(e[0].1.contains("no deployed version"), "{}", e[0].1);
    let e = errors("SELECT id FROM Breeds.PopularBreed");
    assert_eq!(e[0].0, rules::VIEW_SQL_UNSUPPORTED);
    assert!(
        e[0].1.contains("does not publish; deploy `Breeds` again"),
        "{}",
        e[0].1
    );
    let e = errors("SELECT id FROM Breeds.RareBreed");
    assert_eq!(e[0].0, rules::UNKNOWN_FIELD, "{e:?}");
    let e = errors("SELECT b.nope FROM Breeds.Breed b");
    assert!(
        e[0].1
            .contains("`nope` is not a field of Breeds.Breed (as b)"),
        "{}",
        e[0].1
    );
}

#[test]
fn every_problem_of_a_view_is_reported_without_follow_on_problems() {
    let e =
        errors("SELECT a, id FROM Dog d JOIN Nowhere n ON d.c = n.d WHERE d.e AND Owner.id = 1");
    let rules: Vec<_> = e.iter().map(|(r, _)| *r).collect();
    // `a`, `n.d` could be columns of the unknown `Nowhere`: not reported again; `id` is
    // Dog's, as far as is known.
    assert_eq!(
        rules,
        [
            rules::UNKNOWN_SCHEMA,
            rules::UNKNOWN_FIELD,
            rules::UNKNOWN_FIELD,
            rules::UNKNOWN_TABLE
        ],
        "{e:?}"
    );
}

#[test]
fn common_expression_forms_are_rewritten() {
    for (sql, want) in [
            (
                "SELECT DISTINCT ON (ownerId) ownerId, name FROM Dog ORDER BY ownerId, birthDate DESC",
                "SELECT DISTINCT ON (owner_id) owner_id, name FROM ws_dev_dog_src.dog ORDER BY owner_id, birth_date DESC",
            ),
            (
                "SELECT CAST(birthDate AS TEXT), birthDate::text, EXTRACT(YEAR FROM birthDate) FROM Dog",
                "SELECT CAST(birth_date AS TEXT), birth_date::TEXT, EXTRACT(YEAR FROM birth_date) FROM ws_dev_dog_src.dog",
            ),
            (
                "SELECT name FROM Dog WHERE birthDate BETWEEN '2020-01-01' AND '2021-01-01' AND name LIKE 'R%' AND ownerId IN ('a', 'b') AND NOT vaccinated IS NULL",
                "SELECT name FROM ws_dev_dog_src.dog WHERE birth_date BETWEEN '2020-01-01' AND '2021-01-01' AND name LIKE 'R%' AND owner_id IN ('a', 'b') AND NOT vaccinated IS NULL",
            ),
            (
                "SELECT count(DISTINCT ownerId) FILTER (WHERE vaccinated) AS owners, string_agg(name, ',' ORDER BY birthDate) AS names FROM Dog",
                "SELECT count(DISTINCT owner_id) FILTER (WHERE vaccinated) AS owners, string_agg(name, ',' ORDER BY birth_date) AS names FROM ws_dev_dog_src.dog",
            ),
            (
                "SELECT rank() OVER w AS r FROM Dog WINDOW w AS (PARTITION BY ownerId ORDER BY birthDate)",
                "SELECT rank() OVER w AS r FROM ws_dev_dog_src.dog WINDOW w AS (PARTITION BY owner_id ORDER BY birth_date)",
            ),
            (
                "SELECT o.fullName, last.birthDate FROM Owner o CROSS JOIN LATERAL (SELECT birthDate FROM Dog d WHERE d.ownerId = o.id ORDER BY birthDate DESC LIMIT 1) AS last",
                "SELECT o.full_name, last.birth_date FROM ws_dev_dog_src.owner o CROSS JOIN LATERAL (SELECT birth_date FROM ws_dev_dog_src.dog d WHERE d.owner_id = o.id ORDER BY birth_date DESC LIMIT 1) AS last",
            ),
            (
                "SELECT t.n, d.name FROM (VALUES (1), (2)) AS t (n) JOIN Dog d ON true",
                "SELECT t.n, d.name FROM (VALUES (1), (2)) AS t (n) JOIN ws_dev_dog_src.dog d ON true",
            ),
            (
                "SELECT d.name, o.fullName FROM (Dog d JOIN Owner o ON o.id = d.ownerId)",
                "SELECT d.name, o.full_name FROM (ws_dev_dog_src.dog d JOIN ws_dev_dog_src.owner o ON o.id = d.owner_id)",
            ),
            (
                "SELECT nullif(name, ''), coalesce(birthDate, current_date) FROM Dog NATURAL JOIN Owner",
                "SELECT nullif(name, ''), coalesce(birth_date, current_date) FROM ws_dev_dog_src.dog NATURAL JOIN ws_dev_dog_src.owner",
            ),
        ] {
            assert_eq!(ok(sql), want, "{sql}");
        }
}

#[test]
fn snowflake_specific_forms_are_rewritten() {
    let v = run(
            SNOWFLAKE,
            "SELECT name, IFF(vaccinated, 'yes', 'no') AS status FROM Dog WHERE name ILIKE 'r%' QUALIFY row_number() OVER (PARTITION BY ownerId ORDER BY birthDate) = 1",
        )
        .unwrap();
    assert_eq!(
            v.sql,
            "SELECT NAME, IFF(VACCINATED, 'yes', 'no') AS STATUS FROM WS_DEV_DOG_SRC.DOG WHERE NAME ILIKE 'r%' QUALIFY row_number() OVER (PARTITION BY OWNER_ID ORDER BY BIRTH_DATE) = 1"
        );
}
