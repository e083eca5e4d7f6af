//! URL helpers: swap the database of a PostgreSQL URL, and hide its password in messages.

/// The URL with its password replaced by `***` (for messages); other forms are returned as they
/// are when they hold no `password=`, else reduced to `<connection string>`.
pub fn redact_url(url: &str) -> String {
    match split_url(url) {
        Some(parts) => {
            let creds = match parts.credentials {
                Some(c) => match c.split_once(':') {
                    Some((user, _)) => format!("{user}:***@"),
                    None => format!("{c}@"),
                },
                None => String::new(),
            };
            format!(
                "{}{}{}{}{}",
                parts.scheme, creds, parts.host, parts.path, parts.query
            )
        }
        None if url.contains("password") => "<connection string>".to_string(),
        None => url.to_string(),
    }
}

/// The URL with its database (path) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    match split_url(url) {
        Some(parts) => {
            let creds = parts
                .credentials
                .map(|c| format!("{c}@"))
                .unwrap_or_default();
            format!(
                "{}{}{}/{}{}",
                parts.scheme, creds, parts.host, database, parts.query
            )
        }
        // A key=value connection string: a later dbname wins.
        None => format!("{url} dbname={database}"),
    }
}

struct UrlParts<'a> {
    scheme: &'a str,
    credentials: Option<&'a str>,
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let scheme_len = ["postgresql://", "postgres://"]
        .iter()
        .find(|p| url.starts_with(*p))?
        .len();
    let (scheme, rest) = url.split_at(scheme_len);
    let (rest, query) = match rest.find('?') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (credentials, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    Some(UrlParts {
        scheme,
        credentials,
        host,
        path,
        query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db?sslmode=disable"),
            "postgres://u:***@h:5432/db?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(redact_url("host=h password=x"), "<connection string>");
    }

    #[test]
    fn swaps_the_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?x=1", "t1"),
            "postgres://u:p@h:5432/t1?x=1"
        );
        assert_eq!(with_database("postgresql://h", "t1"), "postgresql://h/t1");
    }
}
