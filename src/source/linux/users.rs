//! User names for uids, read once from /etc/passwd and cached for the life of the process.
//!
//! The sockets and processes tables name the owner of every row; looking the same uid up
//! thousands of times must cost a hash lookup, not a file read, and the names are shared
//! (`Arc<str>`) rather than copied per row. A uid with no passwd entry has no name (null).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The user name of `uid`, from /etc/passwd (the first entry for a uid wins, as with
/// `getpwuid`); `None` when there is no entry or the file cannot be read.
pub fn user_name(uid: u32) -> Option<Arc<str>> {
    static USERS: OnceLock<HashMap<u32, Arc<str>>> = OnceLock::new();
    USERS
        .get_or_init(|| {
            std::fs::read_to_string("/etc/passwd")
                .map(|t| parse_passwd(&t))
                .unwrap_or_default()
        })
        .get(&uid)
        .cloned()
}

/// Parses passwd(5) text into uid → name; malformed lines are skipped.
pub(crate) fn parse_passwd(text: &str) -> HashMap<u32, Arc<str>> {
    let mut map = HashMap::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(':');
        let (Some(name), Some(_pw), Some(uid)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        if let Ok(uid) = uid.parse::<u32>() {
            map.entry(uid).or_insert_with(|| Arc::from(name));
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_first_entry_wins_and_bad_lines_are_skipped() {
        let text = "root:x:0:0:root:/root:/bin/bash\n\
                    # comment\n\
                    broken line\n\
                    nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
                    toor:x:0:0::/:/bin/sh\n\
                    bad:x:notanumber:0::/:/bin/sh\n";
        let m = parse_passwd(text);
        assert_eq!(m.get(&0).map(|s| &**s), Some("root"));
        assert_eq!(m.get(&65534).map(|s| &**s), Some("nobody"));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn root_has_a_name_here() {
        // Every Linux system this runs on has a uid 0 entry in /etc/passwd.
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(user_name(4_000_000_000), None);
    }
}
