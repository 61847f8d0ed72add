//! This thread's capabilities, lowered for one call: the sock_diag socket is opened without
//! `CAP_NET_ADMIN`.
//!
//! The kernel decides whether a sock_diag reader is an administrator from the credentials
//! the netlink socket was opened with. For one, it adds to every socket's reply attributes
//! netpry never shows (the socket mark, the cgroup class id, and for TCP the upper-layer
//! protocol and MD5 signature data), which costs the kernel about a tenth of a dump with
//! `tcp_info`. Opening the socket with `CAP_NET_ADMIN` out of the effective set leaves them
//! out; nothing netpry reads depends on them. Capabilities belong to a thread, so only the
//! calling thread is touched, and only for the call.

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit words per set.
const VERSION_3: u32 = 0x2008_0522;

/// `CAP_NET_ADMIN`.
pub const CAP_NET_ADMIN: u32 = 12;

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct Header {
    version: u32,
    pid: i32,
}

/// `struct __user_cap_data_struct`: one 32-bit word of each set.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// This thread's capability sets (two words each), or `None` when they cannot be read.
#[allow(unsafe_code)]
fn get() -> Option<[Data; 2]> {
    let mut h = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut d = [Data::default(); 2];
    // SAFETY: capget writes one header and two data words, the sizes given.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut h as *mut Header, d.as_mut_ptr()) };
    (r == 0).then_some(d)
}

/// Sets this thread's capability sets to `d`; whether the kernel took them.
#[allow(unsafe_code)]
fn set(d: &[Data; 2]) -> bool {
    let mut h = Header {
        version: VERSION_3,
        pid: 0,
    };
    // SAFETY: capset reads one header and two data words, the sizes given.
    unsafe { libc::syscall(libc::SYS_capset, &mut h as *mut Header, d.as_ptr()) == 0 }
}

/// Whether capability `cap` (below 32) is in this thread's effective set.
#[cfg(test)]
fn effective(cap: u32) -> bool {
    get().is_some_and(|d| d[0].effective & (1 << cap) != 0)
}

/// Runs `f` with capability `cap` (below 32) out of this thread's effective set, and puts it
/// back after (it stays permitted, so it can always be raised again). A thread without it, or
/// whose sets cannot be read or changed, runs `f` as it is.
pub fn without<T>(cap: u32, f: impl FnOnce() -> T) -> T {
    let Some(before) = get() else { return f() };
    if before[0].effective & (1 << cap) == 0 {
        return f();
    }
    let mut lowered = before;
    lowered[0].effective &= !(1 << cap);
    let dropped = set(&lowered);
    let out = f();
    if dropped {
        set(&before);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capability_is_lowered_for_the_call_only() {
        let before = get().expect("capget");
        let had = effective(CAP_NET_ADMIN);
        let inside = without(CAP_NET_ADMIN, || effective(CAP_NET_ADMIN));
        assert!(!inside, "lowered inside");
        assert_eq!(effective(CAP_NET_ADMIN), had, "back after");
        assert_eq!(get(), Some(before), "every set as it was");
        // A thread started before keeps its own while this one's is lowered.
        let (ask, asked) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            asked.recv().unwrap();
            effective(CAP_NET_ADMIN)
        });
        let seen = without(CAP_NET_ADMIN, || {
            ask.send(()).unwrap();
            other.join().unwrap()
        });
        assert_eq!(seen, had);
    }
}
