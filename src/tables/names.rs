//! The name databases front ends use to print names instead of numbers: services
//! (`/etc/services`), protocols (`/etc/protocols`), networks (`/etc/networks`), the hosts file,
//! and iproute2's names for routing tables, protocols, scopes and route types.
//!
//! The parsers and the built-in names are pure. The files are read through
//! [`crate::catalog::Catalog::name_files`], which takes them from the `name_files` table (live,
//! or saved in a snapshot) so that a snapshot names things as its host did; the functions here
//! that read this machine's files directly are for what is about this machine, not about the
//! host being read: the words of a command line (`-p PROTO`).

pub use crate::door::source::linux::netdb::{
    HostEntry, NetworkEntry, ProtocolEntry, parse_hosts, parse_networks, parse_protocols,
};
pub use crate::door::source::linux::rtnames::{
    Names as RouteNames, builtin_protocols, builtin_scopes, route_type_name,
};
pub use crate::door::source::linux::services::{Duplicates, Services};

/// The entries of the `/etc/protocols`-format file at `path` on this machine (for the words of
/// a command line; a missing file has none).
pub fn protocols_at(path: &str) -> Vec<ProtocolEntry> {
    crate::door::source::linux::netdb::protocols_at(path)
}

/// The name of routing table `id` as `ip` prints it on this machine (built-in names, then
/// `/etc/iproute2/rt_tables`); the number when it has none.
pub fn table_name(id: u32) -> String {
    crate::door::source::linux::rtnames::table_name(id)
}

/// The scope named `name` as `ip` spells it on this machine (or a decimal number); `None` when
/// unknown.
pub fn scope_number(name: &str) -> Option<u8> {
    crate::door::source::linux::rtnames::scope_number(name)
}

/// The host's name files as the `name_files` table holds them (see
/// [`crate::catalog::Catalog::name_files`]); a file the table lacks reads as empty.
#[derive(Debug, Clone, Default)]
pub struct NameFiles {
    files: std::collections::HashMap<String, String>,
}

impl NameFiles {
    /// The files of a `name_files` table (raw text kept losslessly).
    pub fn from_table(t: &crate::model::Table) -> NameFiles {
        use crate::model::Value;
        let (Some(p), Some(x)) = (t.column_index("path"), t.column_index("text")) else {
            return NameFiles::default();
        };
        let files = t
            .rows()
            .filter_map(|r| {
                let text = match &r[x] {
                    Value::Str(s) => s.to_string(),
                    Value::Bytes(b) => crate::model::rawtext::encode(b).into_owned(),
                    _ => return None,
                };
                Some((r[p].as_str()?.to_string(), text))
            })
            .collect();
        NameFiles { files }
    }

    /// This machine's files, read now.
    pub fn this_machine() -> NameFiles {
        NameFiles {
            files: crate::door::source::linux::netdb::name_files()
                .into_iter()
                .collect(),
        }
    }

    fn text(&self, path: &str) -> &str {
        self.files.get(path).map_or("", String::as_str)
    }

    /// The services database; `dup` says which line names a port listed twice.
    pub fn services(&self, dup: Duplicates) -> Services {
        Services::parse(self.text("/etc/services"), dup)
    }

    /// The entries of `/etc/protocols`.
    pub fn protocols(&self) -> Vec<ProtocolEntry> {
        parse_protocols(self.text("/etc/protocols"))
    }

    /// The entries of `/etc/networks`.
    pub fn networks(&self) -> Vec<NetworkEntry> {
        parse_networks(self.text("/etc/networks"))
    }

    /// The entries of `/etc/hosts`.
    pub fn hosts(&self) -> Vec<HostEntry> {
        parse_hosts(self.text("/etc/hosts"))
    }
}
