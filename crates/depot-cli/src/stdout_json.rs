//! JSON on standard output, streamed.
//!
//! A plan of 10,000 objects is about 55 MB of pretty JSON. Serializing it into one `String`
//! first and printing that grows a buffer by copies and holds the whole text in memory next to
//! the plan; profiling `depot plan` showed a quarter of its time there. Streaming through a
//! buffered, locked stdout writes the same bytes without the copy.

use std::io::{self, BufWriter, Write};

use serde::Serialize;

/// Writes `value` as pretty JSON and a newline to stdout. A reader that stops reading (`| head`)
/// is not an error of `depot`: the rest is dropped quietly, like other command-line tools do.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    match write_json(
        &mut BufWriter::with_capacity(1 << 16, io::stdout().lock()),
        value,
    ) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn write_json<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_same_text_as_to_string_pretty_and_a_newline() {
        let value = serde_json::json!({"phases": [{"steps": ["a\"b", 1]}], "x": null});
        let mut out = Vec::new();
        write_json(&mut out, &value).unwrap();
        let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
