//! Objects: one schema of kind object -> its table, columns, primary key, indexes (with their
//! options) and checks; foreign keys come later (see [`super::constraints`]).

use rayon::prelude::*;

use super::names::has_duplicate;
use super::*;

impl<'d, 'p> Resolver<'d, 'p> {
    /// Resolves every object, each on its own resolver and on every core; then, in name order,
    /// takes their problems and claims their relation names in the namespace, so that problems
    /// and collisions come as they would resolving one object after another.
    pub(super) fn objects(
        &mut self,
        objects: Vec<(&'p String, &'p ObjectSchema)>,
    ) -> BTreeMap<String, PhysicalObject> {
        let resolved: Vec<_> = objects
            .par_iter()
            .map_init(
                || self.one_object_resolver(),
                |own, &(name, object)| {
                    let resolved = own.object(name, object);
                    let claims = own.deferred_claims.as_mut().map(std::mem::take);
                    (
                        resolved,
                        std::mem::take(&mut own.problems),
                        claims.unwrap_or_default(),
                    )
                },
            )
            .collect();
        let mut out = BTreeMap::new();
        for ((name, _), (object, problems, claims)) in objects.into_iter().zip(resolved) {
            let mut problems = problems.into_iter();
            let mut taken = 0;
            for claim in claims {
                self.problems
                    .extend(problems.by_ref().take(claim.problems_before - taken));
                taken = claim.problems_before;
                let loc = claim.loc;
                self.claim(&claim.physical, claim.what, || loc.at());
            }
            self.problems.extend(problems);
            out.insert(name.clone(), object);
        }
        out
    }

    /// A resolver for one object: the settings and enum types of this one, no problems yet,
    /// and its claims deferred.
    fn one_object_resolver(&self) -> Resolver<'d, 'p> {
        Resolver {
            dialect: self.dialect,
            naming: self.naming,
            pkey: self.pkey.clone(),
            idx: self.idx.clone(),
            check: self.check.clone(),
            fkey: self.fkey.clone(),
            checks_ignored: self.checks_ignored,
            problems: Vec::new(),
            relations: HashMap::new(),
            enum_types: self.enum_types.clone(),
            namespace: self.namespace.clone(),
            native_enums: self.native_enums,
            deferred_claims: Some(Vec::new()),
        }
    }

    fn object(&mut self, name: &'p str, object: &'p ObjectSchema) -> PhysicalObject {
        let physical = object
            .sql_name
            .clone()
            .unwrap_or_else(|| self.naming.apply(name));
        self.check_length(
            &physical,
            || format!("object `{name}`"),
            || Loc::Schema(name).at(),
        );
        self.claim_at(&physical, Holder::Object(name), Loc::Schema(name));
        self.check_engine_limits(name, object);

        // Primary-key fields first in key order, then the others by logical name (the
        // BTreeMap's order), so the order is stable whatever the order of the input.
        let key_fields = object
            .primary_key
            .iter()
            .filter_map(|f| object.field_entry(f));
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
                field_type: self.physical_type(&field.field_type),
                nullable: field.nullable,
                // Defaults and computed expressions need every column's physical name: see
                // `column_expressions` below.
                default: None,
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
        // Logical field -> physical column: what expressions of this object may name.
        let scope_columns: BTreeMap<String, String> = columns
            .iter()
            .map(|c| (c.logical.clone(), c.physical.clone()))
            .collect();
        // Copies (the scope outlives borrows of `self`): empty, and free, without enums.
        let types = self.enum_types.clone();
        let types_namespace = if self.native_enums && !types.is_empty() {
            Some(self.namespace.clone())
        } else {
            None
        };
        let scope = ExpressionScope {
            columns: &scope_columns,
            types: &types,
            types_namespace: types_namespace.as_deref(),
        };
        self.column_expressions(name, object, &mut columns, &scope);
        let physical_of = |logical: &str| {
            scope_columns
                .get(logical)
                .map_or_else(|| logical.to_string(), String::clone)
        };

        let primary_key = if object.primary_key.is_empty() {
            None
        } else {
            let key_name = self.generated(&[&physical, &self.pkey]);
            self.claim_at(&key_name, Holder::PrimaryKey(name), Loc::PrimaryKey(name));
            Some(PhysicalKey {
                name: key_name,
                columns: object.primary_key.iter().map(|f| physical_of(f)).collect(),
            })
        };
        let indexes = self.indexes(name, &physical, &object.indexes, &scope);
        let checks = self.checks(name, object, &physical, &scope);
        PhysicalObject {
            logical: name.to_string(),
            physical,
            previous_names: object.previous_names.clone(),
            columns,
            primary_key,
            indexes,
            foreign_keys: Vec::new(),
            checks,
            comment: object.description.clone(),
        }
    }
}
