//! What an engine cannot hold: the location's engine, reserved namespaces, engine limits
//! (columns per table, string length) and void view columns.

use super::*;

impl<'p> Resolver<'_, 'p> {
    pub(super) fn check_engine(&mut self, location: &Location) {
        let engine = location.engine();
        if *engine != self.dialect.engine() {
            self.problems
                .push(At::root().key("location").key("type").problem(
                    rules::ENGINE_MISMATCH,
                    format!(
                        "the location is {engine}, but the dataset is being resolved for {}",
                        self.dialect.engine()
                    ),
                ));
        }
    }

    /// check_namespace reports a namespace the engine or Depot keeps for itself.
    pub(super) fn check_namespace(&mut self, namespace: &str) {
        if let Some(why) = self.dialect.reserved_namespace(namespace) {
            self.problems.push(Loc::Root("schemaName").at().problem(
                rules::RESERVED_NAMESPACE,
                format!(
                    "the namespace `{namespace}` cannot hold a dataset on {}: {why}; choose another `schemaName`",
                    self.dialect.engine().as_str()
                ),
            ));
        }
    }

    /// check_engine_limits reports what the engine cannot hold in an object: more columns than
    /// a table can have, a string longer than the engine's longest.
    pub(super) fn check_engine_limits(&mut self, name: &'p str, object: &'p ObjectSchema) {
        let engine = self.dialect.engine();
        if let Some(max) = self.dialect.max_columns() {
            if object.fields.len() > max {
                self.problems.push(Loc::Schema(name).at().key("fields").problem(
                    rules::ENGINE_LIMIT,
                    format!(
                        "object `{name}` has {} fields; a {engine} table holds at most {max} columns",
                        object.fields.len()
                    ),
                ));
            }
        }
        if let Some(max) = self.dialect.max_string_length() {
            for (field, spec) in &object.fields {
                if let FieldType::String {
                    max_length: Some(n),
                } = spec.field_type
                {
                    if u64::from(n) > max {
                        self.problems.push(Loc::Field(name, field).at().key("maxLength").problem(
                            rules::ENGINE_LIMIT,
                            format!(
                                "`maxLength` {n} is more than {engine} allows for a string ({max} characters): lower it, or leave it out for an unbounded string"
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// check_void_columns reports view columns of type void, where the engine cannot create
    /// them.
    pub(super) fn check_void_columns(
        &mut self,
        view: &str,
        query: &sqlparser::ast::Query,
        at: &At,
    ) {
        if !self.dialect.refuses_void_columns() {
            return;
        }
        for column in void_columns(query) {
            self.problems.push(at.problem(
                rules::VIEW_VOID_COLUMN,
                format!(
                    "view `{view}`: the column `{column}` has type void, which a {} view cannot hold: select a value instead",
                    self.dialect.engine().as_str()
                ),
            ));
        }
    }

    /// refuse_feature reports a feature the engine cannot create, in the engine's words, at
    /// the place it is used.
    pub(super) fn refuse_feature(&mut self, feature: Feature, at: impl FnOnce() -> At) {
        if let Some(why) = self.dialect.refuses(feature) {
            self.problems.push(at().problem(rules::ENGINE_FEATURE, why));
        }
    }
}
