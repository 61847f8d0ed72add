//! Network namespaces on this host: enumeration (like `lsns`: every process's and thread's
//! `ns/net` link plus every nsfs bind mount in `/proc/self/mountinfo`, deduplicated by device
//! and inode), entering one on the calling thread (`setns(CLONE_NEWNET)`), the kernel's ids
//! for them (`RTM_GETNSID`), and container identity read from a member's `/proc/PID/cgroup`.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One network namespace as found on this host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetnsRecord {
    /// The namespace's nsfs inode (what `/proc/PID/ns/net` links to: `net:[INODE]`).
    pub inode: u64,
    /// The nsfs device.
    pub dev: u64,
    /// Every path where the namespace is bind mounted (nsfs mounts in `/proc/self/mountinfo`).
    pub mounts: Vec<String>,
    /// Processes (thread groups) with a thread in the namespace.
    pub pids: Vec<u32>,
    /// A thread in the namespace whose process is not (found through `/proc/*/task`).
    pub tid: Option<(u32, u32)>,
    /// Whether this is pid 1's namespace (the lowest readable pid's where pid 1's is not
    /// readable).
    pub is_host: bool,
}

impl NetnsRecord {
    /// A path that opens the namespace: a member's `ns/net`, else a mount.
    pub fn path(&self) -> Option<PathBuf> {
        if let Some(p) = self.pids.first() {
            return Some(PathBuf::from(format!("/proc/{p}/ns/net")));
        }
        if let Some((p, t)) = self.tid {
            return Some(PathBuf::from(format!("/proc/{p}/task/{t}/ns/net")));
        }
        self.mounts.first().map(PathBuf::from)
    }

    /// The name `ip netns` knows it by (a mount under /run/netns), else its first mount path.
    pub fn name(&self) -> Option<String> {
        let named = self.mounts.iter().find_map(|m| {
            m.strip_prefix("/run/netns/")
                .or_else(|| m.strip_prefix("/var/run/netns/"))
                .filter(|n| !n.contains('/'))
        });
        named
            .map(str::to_string)
            .or_else(|| self.mounts.first().cloned())
    }
}

/// The (device, inode) of an nsfs file (following links, as `/proc/PID/ns/net` is one).
pub fn ns_id(path: &Path) -> std::io::Result<(u64, u64)> {
    let m = std::fs::metadata(path)?;
    Ok((m.dev(), m.ino()))
}

/// Every network namespace on this host, pid 1's first, then by inode.
pub fn enumerate() -> Vec<NetnsRecord> {
    let mut found: BTreeMap<(u64, u64), NetnsRecord> = BTreeMap::new();
    let host = ns_id(Path::new("/proc/1/ns/net")).ok();
    for pid in super::processes::pids() {
        let Ok(id) = ns_id(Path::new(&format!("/proc/{pid}/ns/net"))) else {
            continue;
        };
        found
            .entry(id)
            .or_insert_with(|| new_record(id))
            .pids
            .push(pid);
        // Threads that moved to another namespace (setns on a thread).
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let Some(tid) = t.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if tid == pid {
                continue;
            }
            let Ok(tid_ns) = ns_id(&t.path().join("ns/net")) else {
                continue;
            };
            if tid_ns != id {
                let rec = found.entry(tid_ns).or_insert_with(|| new_record(tid_ns));
                if rec.tid.is_none() {
                    rec.tid = Some((pid, tid));
                }
            }
        }
    }
    for m in nsfs_mounts(&std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()) {
        let Ok(id) = ns_id(Path::new(&m)) else {
            continue;
        };
        let rec = found.entry(id).or_insert_with(|| new_record(id));
        if !rec.mounts.contains(&m) {
            rec.mounts.push(m);
        }
    }
    // Where pid 1 is not readable (a sandbox), the lowest readable pid stands in for it.
    let host = host.or_else(|| {
        found
            .iter()
            .filter_map(|(id, r)| Some((*r.pids.first()?, *id)))
            .min()
            .map(|(_, id)| id)
    });
    let mut out: Vec<NetnsRecord> = found
        .into_values()
        .map(|mut r| {
            r.is_host = Some((r.dev, r.inode)) == host;
            r
        })
        .collect();
    out.sort_by_key(|r| (!r.is_host, r.inode));
    out
}

fn new_record(id: (u64, u64)) -> NetnsRecord {
    NetnsRecord {
        dev: id.0,
        inode: id.1,
        ..NetnsRecord::default()
    }
}

/// The mount points of network-namespace nsfs mounts in a mountinfo text (root `net:[N]`),
/// unescaped (`\040` is a space).
pub fn nsfs_mounts(mountinfo: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        if post.split_whitespace().next() != Some("nsfs") {
            continue;
        }
        let f: Vec<&str> = pre.split_whitespace().collect();
        let (Some(root), Some(point)) = (f.get(3), f.get(4)) else {
            continue;
        };
        if root.starts_with("net:[") {
            let p = unescape(point);
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Undoes mountinfo's octal escapes (`\040`, `\011`, `\012`, `\134`).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Container identity read from a `/proc/PID/cgroup` text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Container {
    /// docker, containerd, cri-o, podman or kubepods.
    pub runtime: Option<String>,
    /// The container id (64 hex digits).
    pub id: Option<String>,
    /// The Kubernetes pod uid.
    pub pod_uid: Option<String>,
}

/// The container a cgroup text names, if any: `docker-<id>.scope`, `/docker/<id>`,
/// `/kubepods/<qos>/pod<uid>/<id>`, `kubepods-...-pod<uid>.slice/cri-containerd-<id>.scope`,
/// `crio-<id>.scope`, `libpod-<id>.scope`.
pub fn container(cgroup: &str) -> Container {
    let mut c = Container::default();
    for line in cgroup.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        for part in path.split('/') {
            if let Some(uid) = pod_uid(part) {
                c.pod_uid = Some(uid);
                c.runtime.get_or_insert_with(|| "kubepods".into());
            }
            let stem = part.strip_suffix(".scope").unwrap_or(part);
            for (prefix, runtime) in [
                ("docker-", "docker"),
                ("cri-containerd-", "containerd"),
                ("crio-", "cri-o"),
                ("libpod-", "podman"),
                ("", ""),
            ] {
                let Some(id) = stem.strip_prefix(prefix) else {
                    continue;
                };
                if is_container_id(id) {
                    let runtime = if runtime.is_empty() {
                        if path.contains("/docker/") {
                            "docker"
                        } else if path.contains("kubepods") {
                            "kubepods"
                        } else {
                            continue;
                        }
                    } else {
                        runtime
                    };
                    c.id = Some(id.to_string());
                    c.runtime = Some(runtime.to_string());
                    break;
                }
            }
        }
        if c.id.is_some() {
            break;
        }
    }
    c
}

fn is_container_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The pod uid in a cgroup path component: `pod<uid>` or `kubepods-...-pod<uid_>.slice`.
fn pod_uid(part: &str) -> Option<String> {
    let stem = part.strip_suffix(".slice").unwrap_or(part);
    let at = stem.rfind("pod")?;
    let uid = &stem[at + 3..];
    let ok = uid.len() == 36
        && uid
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_');
    ok.then(|| uid.replace('_', "-"))
}

/// The container's name from Docker's `config.v2.json` (`"Name":"/web"`), where readable.
pub fn docker_name(id: &str) -> Option<String> {
    let text =
        std::fs::read_to_string(format!("/var/lib/docker/containers/{id}/config.v2.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let name = v.get("Name")?.as_str()?;
    Some(name.trim_start_matches('/').to_string())
}

/// The kernel's id for the namespace open as `ns` in the calling thread's namespace
/// (`RTM_GETNSID` with `NETNSA_FD`); `None` when none is assigned or it cannot be read.
pub fn nsid(nl: &mut super::netlink::Netlink, ns: &File) -> Option<i64> {
    use netlink_packet_route::RouteNetlinkMessage;
    use netlink_packet_route::nsid::{NsidAttribute, NsidMessage};
    use std::os::fd::AsRawFd;
    let mut msg = NsidMessage::default();
    msg.attributes
        .push(NsidAttribute::Fd(u32::try_from(ns.as_raw_fd()).ok()?));
    let reply = nl.request(RouteNetlinkMessage::GetNsId(msg)).ok()?;
    let RouteNetlinkMessage::NewNsId(m) = reply else {
        return None;
    };
    m.attributes.iter().find_map(|a| match a {
        NsidAttribute::Id(id) if *id >= 0 => Some(i64::from(*id)),
        _ => None,
    })
}

/// Whether this process holds CAP_SYS_ADMIN (bit 21 of `CapEff` in `/proc/self/status`).
pub fn has_sys_admin() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 21) != 0)
}

/// Moves the calling thread into the network namespace open as `ns`.
#[allow(unsafe_code)]
pub fn enter(ns: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: setns takes a descriptor and a flag and touches no memory of ours; `ns` is an
    // open file for the whole call.
    let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_net_nsfs_mounts_only() {
        let text = "\
1 2 0:4 net:[4026532300] /run/netns/blue rw shared:5 - nsfs nsfs rw
3 2 0:4 net:[4026532301] /run/docker/netns/a\\040b rw - nsfs nsfs rw
4 2 0:4 mnt:[4026532302] /run/x rw - nsfs nsfs rw
5 2 0:22 / /proc rw - proc proc rw
";
        assert_eq!(
            nsfs_mounts(text),
            vec![
                "/run/netns/blue".to_string(),
                "/run/docker/netns/a b".into()
            ]
        );
    }

    #[test]
    fn names_prefer_ip_netns() {
        let r = NetnsRecord {
            mounts: vec!["/run/docker/netns/abc".into(), "/run/netns/blue".into()],
            ..NetnsRecord::default()
        };
        assert_eq!(r.name().as_deref(), Some("blue"));
    }

    #[test]
    fn container_identity_from_cgroups() {
        let id = "a".repeat(64);
        let c = container(&format!("0::/system.slice/docker-{id}.scope\n"));
        assert_eq!(c.runtime.as_deref(), Some("docker"));
        assert_eq!(c.id.as_deref(), Some(id.as_str()));
        let c = container(&format!("12:pids:/docker/{id}\n"));
        assert_eq!(c.runtime.as_deref(), Some("docker"));
        let uid = "0a1b2c3d-0000-1111-2222-333344445555";
        let c = container(&format!(
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{id}.scope\n",
            uid.replace('-', "_")
        ));
        assert_eq!(c.runtime.as_deref(), Some("containerd"));
        assert_eq!(c.pod_uid.as_deref(), Some(uid));
        let c = container(&format!("0::/kubepods/besteffort/pod{uid}/{id}\n"));
        assert_eq!(c.runtime.as_deref(), Some("kubepods"));
        assert_eq!(c.id.as_deref(), Some(id.as_str()));
        assert_eq!(
            container("0::/user.slice/session-1.scope\n"),
            Container::default()
        );
    }

    #[test]
    fn enumerates_this_namespace_first_when_it_is_pid_1s() {
        let all = enumerate();
        let me = ns_id(Path::new("/proc/self/ns/net")).unwrap();
        assert!(all.iter().any(|r| (r.dev, r.inode) == me));
    }
}
