//! EnginePlugin: the one boundary through which an engine plugs into the core. The core names
//! no engine: an engine crate implements [`EnginePlugin`] (its [`Dialect`] for planning, how its
//! `location` is written, what its executor takes), and the edge (a binary, `depot-aws`) hands
//! the engines it serves, as [`Engines`], to the dataset reader
//! ([`crate::properties::parse_dataset`]).

use crate::dialect::{Dialect, EngineId};
use crate::location::{Location, LocationError};

/// EnginePlugin is everything an engine contributes to the core: its [`Dialect`] (its id, naming,
/// limits, quoting, rendering, and the features and shapes it refuses) and the rules of the
/// dataset properties that are its own.
pub trait EnginePlugin: Dialect {
    /// How the engine's `location` is written: its keys, in order, and what each holds. The
    /// core reads and checks it by this schema and keeps the values as written
    /// ([`crate::location::Location`]); the engine crate turns them into its typed location to
    /// connect.
    fn location_schema(&self) -> &'static LocationSchema;

    /// What the engine's executor takes.
    fn executor_rules(&self) -> ExecutorRules {
        ExecutorRules::default()
    }

    /// Where the data of `location` (one of this engine's) lives, as a URI
    /// (`postgres://host:port/database`): two locations in the same place hold the same data,
    /// whatever their names or credentials; a dataset moved to another place is a new dataset.
    fn place(&self, location: &Location) -> Result<String, LocationError>;
}

/// LocationSchema: the keys of an engine's `location` besides its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocationSchema {
    /// What the location is, for messages (`a postgres location`).
    pub what: &'static str,
    /// The keys in the order they are read and written; the first is `name`.
    pub keys: &'static [LocationKey],
}

/// LocationKey is one key of a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocationKey {
    pub key: &'static str,
    pub kind: SettingKind,
    /// `Some(what it holds)` when the key is required (the problem says what to give); `None`
    /// when it is optional.
    pub required: Option<&'static str>,
}

impl LocationKey {
    /// A required key; `what` tells what it holds (`the database host`).
    pub const fn required(key: &'static str, kind: SettingKind, what: &'static str) -> Self {
        LocationKey {
            key,
            kind,
            required: Some(what),
        }
    }

    /// An optional key.
    pub const fn optional(key: &'static str, kind: SettingKind) -> Self {
        LocationKey {
            key,
            kind,
            required: None,
        }
    }
}

/// SettingKind is what a location key holds, and so how it is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A non-empty string.
    Text,
    /// A TCP port, 1 to 65535, as a number or a string; written as a number.
    Port,
    /// The ARN of a secret (only ARNs of secrets are ever held, never their values).
    SecretArn,
    /// A URL (`https://host[:port]`, or `http://` for a local emulator).
    Url,
}

/// ExecutorRules: what an engine's executor takes, beyond its `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecutorRules {
    /// The keys of `executor` this engine's executor does not take.
    pub refused_keys: &'static [&'static str],
    /// Why, after "`executor.<key>` " (`applies to PostgreSQL locations only; ...`).
    pub refusal: &'static str,
    /// The location key that names the database user an IAM token is made for, when the
    /// engine's location has one (`executor.iamAuth` then needs no `executor.user`).
    pub location_user_key: Option<&'static str>,
}

/// Engines is the set of engines a reader accepts, in the order messages list them. Chosen at
/// the edge: each binary hands the engines it serves.
#[derive(Clone, Copy)]
pub struct Engines<'e> {
    plugins: &'e [&'e dyn EnginePlugin],
}

impl<'e> Engines<'e> {
    pub const fn new(plugins: &'e [&'e dyn EnginePlugin]) -> Engines<'e> {
        Engines { plugins }
    }

    /// The engine of id `id` (a location's `type`), when it is one of these.
    pub fn find(&self, id: &str) -> Option<&'e dyn EnginePlugin> {
        self.plugins
            .iter()
            .copied()
            .find(|p| p.engine().as_str() == id)
    }

    /// The engines' ids, in order.
    pub fn ids(&self) -> Vec<EngineId> {
        self.plugins.iter().map(|p| p.engine()).collect()
    }

    /// The engines, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'e dyn EnginePlugin> + 'e {
        self.plugins.iter().copied()
    }
}

impl std::fmt::Debug for Engines<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}
