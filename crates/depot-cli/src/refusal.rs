//! Refused input: every problem of a dataset or package the command line refuses, each on one
//! line that names the file, the JSON path inside it and the rule
//! (`examples/dogs/dataset.json: package.schemas.Dog.fields.name.maxLength: [engine-limit] ...`),
//! so that a person (or an editor's error list) goes straight to each mistake.

use std::fmt;
use std::path::{Path, PathBuf};

use depot_core::Problem;

/// InputSource is where a dataset's JSON came from: the dataset file, and the `packageFile`
/// its package was read from, if any (problems under `package` belong to that file).
#[derive(Debug, Clone)]
pub struct InputSource {
    pub file: PathBuf,
    pub package_file: Option<PathBuf>,
}

impl InputSource {
    /// A dataset file with its package inline.
    pub fn file(file: &Path) -> InputSource {
        InputSource {
            file: file.to_path_buf(),
            package_file: None,
        }
    }

    /// The file and the path inside it of a problem found at `path` of the dataset.
    fn locate<'p>(&self, path: &'p str) -> (&Path, &'p str) {
        if let Some(package_file) = &self.package_file {
            if path == "package" {
                return (package_file, "$");
            }
            if let Some(rest) = path.strip_prefix("package.") {
                return (package_file, rest);
            }
            if let Some(rest) = path.strip_prefix("package") {
                if rest.starts_with('[') {
                    return (package_file, rest);
                }
            }
        }
        (&self.file, path)
    }
}

/// Refused is an input refused for its problems, written one line per problem.
#[derive(Debug)]
pub struct Refused {
    lines: Vec<String>,
}

impl Refused {
    /// The problems of the input read from `source`.
    pub fn new<'a>(
        source: &InputSource,
        problems: impl IntoIterator<Item = &'a Problem>,
    ) -> Refused {
        let lines = problems
            .into_iter()
            .map(|p| {
                let (file, path) = source.locate(&p.path);
                // A message is one line by construction; a stray line break (from a parser's
                // message) must not split a problem over two.
                let message = p.message.replace(['\r', '\n'], " ");
                format!("{}: {path}: [{}] {message}", file.display(), p.rule)
            })
            .collect();
        Refused { lines }
    }

    /// One line per problem, without the `depot: error: ` prefix.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

impl std::error::Error for Refused {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_problems_are_placed_in_the_package_file() {
        let source = InputSource {
            file: PathBuf::from("d/dataset.json"),
            package_file: Some(PathBuf::from("d/package.json")),
        };
        let problems = [
            Problem::at(
                "package.schemas.Dog.fields.name.maxLength",
                "engine-limit",
                "too\nlong",
            ),
            Problem::at("schemaName", "reserved-namespace", "reserved"),
            Problem::at("package", "required", "missing"),
        ];
        let refused = Refused::new(&source, &problems);
        assert_eq!(
            refused.lines(),
            [
                "d/package.json: schemas.Dog.fields.name.maxLength: [engine-limit] too long",
                "d/dataset.json: schemaName: [reserved-namespace] reserved",
                "d/package.json: $: [required] missing",
            ]
        );
        let inline = Refused::new(&InputSource::file(Path::new("d.json")), &problems[..1]);
        assert_eq!(
            inline.lines(),
            ["d.json: package.schemas.Dog.fields.name.maxLength: [engine-limit] too long"]
        );
    }
}
