//! `name_files`: the host's name databases, whole: `/etc/services`, `/etc/protocols`,
//! `/etc/networks` and `/etc/hosts`, one row per file. Front ends print port, protocol,
//! network and host names from them (see [`super::names::NameFiles`]); saved in a snapshot,
//! they make the snapshot name things as its host did rather than as the machine reading it.

use super::{Notes, Request, TableDef};
use crate::error::Result;
use crate::model::{Column, Table, Type, Value};

/// Registry entry.
pub const DEF: TableDef = TableDef {
    name: "name_files",
    doc: "The host's name files (/etc/services, protocols, networks, hosts), one row per file",
    source: "/etc/services, /etc/protocols, /etc/networks, /etc/hosts",
    columns,
    collect,
    restrict: super::restrict_nothing,
};

fn columns() -> &'static [Column] {
    static COLUMNS: std::sync::LazyLock<Vec<Column>> = std::sync::LazyLock::new(|| {
        vec![
            Column::new("path", Type::Str, "The file's path"),
            Column::new("text", Type::Str, "The file's whole text"),
        ]
    });
    &COLUMNS
}

fn collect(req: &Request, _notes: &Notes) -> Result<Table> {
    Ok(build(&crate::door::source::linux::netdb::name_files(), req))
}

/// Builds the table from `(path, text)` pairs (text as raw text, see `model::rawtext`),
/// with the columns `req` asks for, in its order.
pub fn build(files: &[(String, String)], req: &Request) -> Table {
    let cols: Vec<Column> = match &req.columns {
        None => columns().to_vec(),
        Some(names) => names
            .iter()
            .filter_map(|n| columns().iter().find(|c| c.name == n.as_str()).cloned())
            .collect(),
    };
    let text_at: Vec<bool> = cols.iter().map(|c| c.name == "text").collect();
    let mut t = Table::new(DEF.name, cols);
    for (path, text) in files {
        t.push(text_at.iter().map(|is_text| {
            if *is_text {
                Value::raw(text)
            } else {
                Value::str(path)
            }
        }));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_file() {
        let files = [("/etc/services".to_string(), "ssh 22/tcp\n".to_string())];
        let t = build(&files, &Request::default());
        assert_eq!(
            t.row(0),
            &[Value::str("/etc/services"), Value::str("ssh 22/tcp\n")]
        );
        let t = build(&files, &Request::columns(&["text", "path"]));
        assert_eq!(
            t.row(0),
            &[Value::str("ssh 22/tcp\n"), Value::str("/etc/services")]
        );
    }
}
