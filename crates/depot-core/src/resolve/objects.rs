//! Objects: one schema of kind object -> its table, columns, primary key and indexes.

use super::names::has_duplicate;
use super::*;

impl<'p> Resolver<'_, 'p> {
    pub(super) fn object(&mut self, name: &'p str, object: &'p ObjectSchema) -> PhysicalObject {
        let physical = object
            .sql_name
            .clone()
            .unwrap_or_else(|| self.naming.apply(name));
        self.check_length(
            &physical,
            || format!("object `{name}`"),
            || Loc::Schema(name).at(),
        );
        self.claim(&physical, Holder::Object(name), || Loc::Schema(name).at());
        self.check_engine_limits(name, object);

        // Primary-key fields first in key order, then the others by logical name (the
        // BTreeMap's order), so the order is stable whatever the order of the input.
        let key_fields = object
            .primary_key
            .iter()
            .filter_map(|f| object.fields.get_key_value(f));
        let other_fields = object
            .fields
            .iter()
            .filter(|(f, _)| !object.primary_key.contains(f));
        let mut columns: Vec<PhysicalColumn> = Vec::with_capacity(object.fields.len());
        for (field_name, field) in key_fields.chain(other_fields) {
            columns.push(PhysicalColumn {
                logical: field_name.clone(),
                physical: field
                    .sql_name
                    .clone()
                    .unwrap_or_else(|| self.naming.apply(field_name)),
                previous_names: field.previous_names.clone(),
                field_type: field.field_type.clone(),
                nullable: field.nullable,
                // Contract placeholder: resolution of expression defaults (engine SQL picked and
                // rewritten) is still to come.
                default: field.default.as_ref().and_then(|d| match d {
                    FieldDefault::Literal(v) => Some(ColumnDefault::Literal(v.clone())),
                    FieldDefault::Expression(e) => Some(ColumnDefault::Expression(*e)),
                    FieldDefault::Sql(per_engine) => per_engine
                        .get(self.dialect.engine().as_str())
                        .map(|sql| ColumnDefault::Sql(sql.clone())),
                }),
                identity: field.auto_increment,
                computed: None,
                comment: field.description.clone(),
            });
        }
        // Two fields with one column name are rare: look for any first, and only then go
        // through the fields one by one to report each collision in its place.
        let collide = has_duplicate(&columns);
        let mut taken: BTreeMap<&str, &str> = BTreeMap::new();
        for c in &columns {
            let (field_name, column) = (c.logical.as_str(), c.physical.as_str());
            self.check_length(
                column,
                || format!("field `{name}.{field_name}`"),
                || Loc::Field(name, field_name).at(),
            );
            if !collide {
                continue;
            }
            if let Some(other) = taken.insert(column, field_name) {
                self.problems.push(Loc::Field(name, field_name).at().problem(
                    rules::NAME_COLLISION,
                    format!(
                        "fields `{other}` and `{field_name}` of `{name}` both get the physical column name `{column}`; rename one or set `sqlName`"
                    ),
                ));
            }
        }
        drop(taken);
        let physical_of = |logical: &String| {
            columns
                .iter()
                .find(|c| &c.logical == logical)
                .map_or_else(|| logical.clone(), |c| c.physical.clone())
        };

        let primary_key = if object.primary_key.is_empty() {
            None
        } else {
            let key_name = self.generated(&[&physical, &self.pkey]);
            self.claim(&key_name, Holder::PrimaryKey(name), || {
                Loc::PrimaryKey(name).at()
            });
            Some(PhysicalKey {
                name: key_name,
                columns: object.primary_key.iter().map(physical_of).collect(),
            })
        };
        let mut indexes = Vec::with_capacity(object.indexes.len());
        for (i, index) in object.indexes.iter().enumerate() {
            let index_name =
                self.generated(&[&physical, &self.naming.apply(&index.name), &self.idx]);
            self.claim(&index_name, Holder::Index(&index.name, name), || {
                Loc::Index(name, i).at()
            });
            indexes.push(PhysicalIndex {
                logical: index.name.clone(),
                physical: index_name,
                columns: index
                    .field_names()
                    .map(|f| physical_of(&f.to_string()))
                    .collect(),
                unique: index.unique,
                ..PhysicalIndex::default()
            });
        }
        PhysicalObject {
            logical: name.to_string(),
            physical,
            previous_names: object.previous_names.clone(),
            columns,
            primary_key,
            indexes,
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: object.description.clone(),
        }
    }
}
