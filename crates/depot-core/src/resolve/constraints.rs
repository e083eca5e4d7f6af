//! Constraints: checks (an expression over the object's own columns) and foreign keys (to an
//! object of the package or `Alias.Schema` of a dependency), with their generated names
//! `<table>_<check>_check` and `<table>_<key>_fkey`.

use super::*;
use crate::package::ObjectSchema;

impl<'p> Resolver<'_, 'p> {
    /// The checks of an object, their expressions in physical names.
    pub(super) fn checks(
        &mut self,
        name: &'p str,
        object: &'p ObjectSchema,
        table: &str,
        scope: &ExpressionScope<'_>,
    ) -> Vec<PhysicalCheck> {
        if object.checks.is_empty() {
            return Vec::new();
        }
        if !self.checks_ignored {
            self.refuse_feature(Feature::Checks, || Loc::Schema(name).at().key("checks"));
        }
        let mut checks = Vec::with_capacity(object.checks.len());
        for (i, check) in object.checks.iter().enumerate() {
            let at = Loc::Schema(name)
                .at()
                .key("checks")
                .index(i)
                .key("expression");
            let what = format!("check `{}` of `{name}`", check.name);
            match rewrite_expression(&check.expression, self.dialect, scope, &what, &at) {
                Ok(rewritten) => checks.push(PhysicalCheck {
                    logical: check.name.clone(),
                    physical: self.generated(&[
                        table,
                        &self.naming.apply(&check.name),
                        &self.check,
                    ]),
                    sql: rewritten.sql,
                    comment: check.description.clone(),
                }),
                Err(problem) => self.problems.push(problem),
            }
        }
        checks
    }

    /// The foreign keys of object `name`, once every object of the package has its physical
    /// names. `aliases` are the dataset's declared dependencies, `dependencies` their metadata.
    pub(super) fn foreign_keys(
        &mut self,
        name: &'p str,
        object: &'p ObjectSchema,
        objects: &BTreeMap<String, PhysicalObject>,
        namespace: &str,
        aliases: &BTreeMap<String, String>,
        dependencies: &BTreeMap<String, DependencyModel>,
    ) -> Vec<PhysicalForeignKey> {
        let Some(me) = objects.get(name) else {
            return Vec::new();
        };
        let mut keys = Vec::with_capacity(object.foreign_keys.len());
        for (i, fk) in object.foreign_keys.iter().enumerate() {
            let at = || Loc::Schema(name).at().key("foreignKeys").index(i);
            let what = format!("foreign key `{}` of `{name}`", fk.name);
            let mut columns = Vec::with_capacity(fk.fields.len());
            for (j, field) in fk.fields.iter().enumerate() {
                match me.column(field) {
                    Some(c) => columns.push(c.physical.clone()),
                    None => self.problems.push(at().key("fields").index(j).problem(
                        rules::UNKNOWN_FIELD,
                        format!("{what}: `{name}` has no field `{field}`"),
                    )),
                }
            }
            let Some((references_namespace, references_table, references_columns)) = self
                .referenced(
                    &what,
                    &fk.references,
                    objects,
                    namespace,
                    aliases,
                    dependencies,
                    &at,
                )
            else {
                continue;
            };
            if columns.len() != fk.fields.len() {
                continue;
            }
            keys.push(PhysicalForeignKey {
                logical: fk.name.clone(),
                physical: self.generated(&[&me.physical, &self.naming.apply(&fk.name), &self.fkey]),
                columns,
                references_namespace,
                references_logical: fk.references.schema.clone(),
                references_table,
                references_columns,
                on_delete: fk.on_delete,
                on_update: fk.on_update,
                deferrable: fk.deferrable,
                comment: fk.description.clone(),
            });
        }
        keys
    }

    /// The namespace, table and columns a foreign key references, or None after reporting
    /// what is unknown.
    #[allow(clippy::too_many_arguments)]
    fn referenced(
        &mut self,
        what: &str,
        reference: &crate::constraint::Reference,
        objects: &BTreeMap<String, PhysicalObject>,
        namespace: &str,
        aliases: &BTreeMap<String, String>,
        dependencies: &BTreeMap<String, DependencyModel>,
        at: &dyn Fn() -> At,
    ) -> Option<(String, String, Vec<String>)> {
        let schema_at = || at().key("references").key("schema");
        let schema = &reference.schema;
        // Logical field -> physical column of the referenced table.
        let (target_namespace, table, physical): (String, String, Vec<Option<String>>) =
            match reference.dependency() {
                None => {
                    let Some(target) = objects.get(schema) else {
                        self.problems.push(schema_at().problem(
                            rules::UNKNOWN_SCHEMA,
                            format!(
                            "{what} references `{schema}`, which is not an object of the package"
                        ),
                        ));
                        return None;
                    };
                    (
                        namespace.to_string(),
                        target.physical.clone(),
                        reference
                            .fields
                            .iter()
                            .map(|f| target.column(f).map(|c| c.physical.clone()))
                            .collect(),
                    )
                }
                Some((alias, target)) => {
                    let metadata = dependencies
                        .get(alias)
                        .filter(|_| aliases.contains_key(alias));
                    let Some(metadata) = metadata else {
                        self.problems.push(schema_at().problem(
                            rules::UNKNOWN_DEPENDENCY,
                            format!(
                                "{what} references `{schema}`, but `{alias}` is not a dependency of the dataset: add it to `dependencies`"
                            ),
                        ));
                        return None;
                    };
                    let Some(target_schema) = metadata.schemas.get(target) else {
                        self.problems.push(schema_at().problem(
                            rules::UNKNOWN_SCHEMA,
                            format!("{what} references `{schema}`: dependency `{alias}` has no schema `{target}`"),
                        ));
                        return None;
                    };
                    (
                        metadata.namespace.clone(),
                        target_schema.object.clone(),
                        reference
                            .fields
                            .iter()
                            .map(|f| target_schema.fields.get(f).cloned())
                            .collect(),
                    )
                }
            };
        let mut columns = Vec::with_capacity(reference.fields.len());
        for (j, (field, column)) in reference.fields.iter().zip(physical).enumerate() {
            match column {
                Some(c) => columns.push(c),
                None => self
                    .problems
                    .push(at().key("references").key("fields").index(j).problem(
                        rules::UNKNOWN_FIELD,
                        format!("{what} references `{schema}.{field}`, which does not exist"),
                    )),
            }
        }
        (columns.len() == reference.fields.len()).then_some((target_namespace, table, columns))
    }
}
