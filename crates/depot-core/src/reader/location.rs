//! Locations in the input: [`At`], a JSON path with the schema and field it belongs to, and
//! [`Place`], the same location kept as borrowed steps while reading.

use serde_json::Value;

use crate::problem::Problem;

/// At is a location in the input: a JSON path (`schemas.Dog.fields.name.type`) and the logical
/// schema and field it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct At {
    path: String,
    schema: Option<String>,
    field: Option<String>,
}

/// is_plain tells whether a key can be written bare in a path (`a.b`); other keys are written
/// `["..."]` so that the path stays unambiguous.
fn is_plain(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// push_key appends member `key` to the JSON path `path`.
fn push_key(path: &mut String, key: &str) {
    if !is_plain(key) {
        path.push('[');
        path.push_str(&Value::from(key).to_string());
        path.push(']');
    } else {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
}

/// push_index appends element `i` to the JSON path `path`.
fn push_index(path: &mut String, i: usize) {
    path.push('[');
    path.push_str(&i.to_string());
    path.push(']');
}

impl At {
    /// root is the top of the input document.
    pub fn root() -> At {
        At::default()
    }

    /// key is the member `key` of the object at `self`. Keys that are not plain words are
    /// written `["..."]` so that the path stays unambiguous.
    pub fn key(&self, key: &str) -> At {
        let mut path = String::with_capacity(self.path.len() + key.len() + 1);
        path.push_str(&self.path);
        push_key(&mut path, key);
        At {
            path,
            schema: self.schema.clone(),
            field: self.field.clone(),
        }
    }

    /// index is the element `i` of the array at `self`.
    pub fn index(&self, i: usize) -> At {
        let mut path = self.path.clone();
        push_index(&mut path, i);
        At {
            path,
            schema: self.schema.clone(),
            field: self.field.clone(),
        }
    }

    /// in_schema attaches the logical schema the location belongs to.
    pub fn in_schema(mut self, schema: &str) -> At {
        self.schema = Some(schema.to_string());
        self
    }

    /// in_field attaches the logical field the location belongs to.
    pub fn in_field(mut self, field: &str) -> At {
        self.field = Some(field.to_string());
        self
    }

    /// path is the JSON path; `$` for the document itself.
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "$"
        } else {
            &self.path
        }
    }

    /// problem is a problem at this location.
    pub fn problem(&self, rule: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            path: self.path().to_string(),
            schema: self.schema.clone(),
            field: self.field.clone(),
            rule,
            message: message.into(),
        }
    }
}

/// Place is a location in the input while it is read: the same location as an [`At`], kept as
/// borrowed steps (each pointing to its parent) so that making one costs no allocation. It
/// becomes an [`At`] (a path string) only when a problem is recorded there.
///
/// A child borrows its parent, so a place made from a temporary must be bound first:
/// `let fields = at.key("fields"); let f = fields.key(name);`.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    parent: Option<&'a Place<'a>>,
    step: Step<'a>,
    schema: Option<&'a str>,
    field: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl Default for Place<'_> {
    fn default() -> Self {
        Place::root()
    }
}

impl<'a> Place<'a> {
    /// root is the top of the input document.
    pub const fn root() -> Place<'a> {
        Place {
            parent: None,
            step: Step::Root,
            schema: None,
            field: None,
        }
    }

    /// key is the member `key` of the object at `self`.
    pub fn key<'b>(&'b self, key: &'b str) -> Place<'b> {
        Place {
            parent: Some(self),
            step: Step::Key(key),
            schema: self.schema,
            field: self.field,
        }
    }

    /// index is the element `i` of the array at `self`.
    pub fn index(&self, i: usize) -> Place<'_> {
        Place {
            parent: Some(self),
            step: Step::Index(i),
            schema: self.schema,
            field: self.field,
        }
    }

    /// in_schema attaches the logical schema the location belongs to.
    pub fn in_schema(self, schema: &'a str) -> Place<'a> {
        Place {
            schema: Some(schema),
            ..self
        }
    }

    /// in_field attaches the logical field the location belongs to.
    pub fn in_field(self, field: &'a str) -> Place<'a> {
        Place {
            field: Some(field),
            ..self
        }
    }

    /// at is this location as an [`At`] (its path written out).
    pub fn at(&self) -> At {
        let mut steps = Vec::new();
        let mut place = Some(self);
        while let Some(p) = place {
            steps.push(p.step);
            place = p.parent;
        }
        let mut path = String::new();
        for step in steps.iter().rev() {
            match *step {
                Step::Root => {}
                Step::Key(k) => push_key(&mut path, k),
                Step::Index(i) => push_index(&mut path, i),
            }
        }
        At {
            path,
            schema: self.schema.map(str::to_string),
            field: self.field.map(str::to_string),
        }
    }

    /// path is the JSON path; `$` for the document itself.
    pub fn path(&self) -> String {
        self.at().path().to_string()
    }

    /// problem is a problem at this location.
    pub fn problem(&self, rule: &'static str, message: impl Into<String>) -> Problem {
        self.at().problem(rule, message)
    }
}
