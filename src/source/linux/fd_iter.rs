//! Every socket descriptor of every process in one pass inside the kernel: a BPF task-file
//! iterator, the fast way to the socket → owner map.
//!
//! Walking `/proc/*/fd` costs a path lookup and a `stat` per descriptor (about 6 µs; 1.3 s of
//! CPU for 200,000 sockets). The kernel can instead visit every open file of every process
//! itself and hand a small program each one: this module assembles that program (two dozen
//! instructions, no compiler needed), loads it, and reads one 16-byte record per socket
//! descriptor: the process id, the device and the inode of the socket. Where each member
//! sits in `task_struct`, `file`, `inode` and `super_block` comes from the running kernel's
//! BTF ([`super::btf`]), so nothing is guessed.
//!
//! It is only a faster route to the same answer: without the privilege (`CAP_BPF` and
//! `CAP_PERFMON`, or root), without BTF, on a kernel that refuses the program, or when netpry
//! runs in a child PID namespace (the kernel reports process ids as the initial namespace
//! sees them), [`socket_fds`] answers `None` and the caller walks `/proc`. So does the
//! environment variable `NETPRY_PROC_OWNERS=1`, for comparing the two.

use std::os::fd::OwnedFd;
use std::sync::OnceLock;

use super::btf::{Btf, Member};

/// One socket descriptor: the process (its thread-group id) and the socket's inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketFd {
    /// Process id, as the initial PID namespace sees it.
    pub pid: u32,
    /// Inode number of the socket (the `inode` column of `sockets`).
    pub inode: u64,
}

/// Bytes per record the program writes: pid (u32), device (u32, the kernel's encoding),
/// inode (u64).
const RECORD: usize = 16;

/// The iterator's link, made once per process: `None` once making it has failed.
static LINK: OnceLock<Option<OwnedFd>> = OnceLock::new();

/// Every socket descriptor of every process, or `None` when the kernel cannot be asked this
/// way (see the module documentation); `sockfs` is the device number of sockfs as `stat`
/// reports it (a socket file on disk opened with `O_PATH` is not a socket).
pub fn socket_fds(sockfs: u64) -> Option<Vec<SocketFd>> {
    if std::env::var_os("NETPRY_PROC_OWNERS").is_some_and(|v| v == "1") {
        return None;
    }
    let link = LINK.get_or_init(make_link).as_ref()?;
    let bytes = sys::run_iterator(link)?;
    let out = bytes
        .chunks_exact(RECORD)
        .filter_map(|r| {
            let word = |i: usize| u32::from_ne_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
            let dev = word(4);
            // The kernel's dev_t: major in the top 12 bits, minor in the low 20.
            (libc::makedev(dev >> 20, dev & 0xf_ffff) == sockfs).then(|| SocketFd {
                pid: word(0),
                inode: u64::from_ne_bytes(r[8..16].try_into().unwrap_or_default()),
            })
        })
        .collect();
    Some(out)
}

/// The inode of the kernel's initial PID namespace (`PROC_PID_INIT_INO`, fixed by the
/// kernel).
const INIT_PID_NS_INODE: u64 = 0xEFFF_FFFC;

/// Whether this process lives in the kernel's initial PID namespace, where the process ids
/// the iterator reports are the ones /proc and every other tool show.
fn in_initial_pid_namespace() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self/ns/pid").is_ok_and(|m| m.ino() == INIT_PID_NS_INODE)
}

/// Loads the program and attaches it as a task-file iterator; `None` on any refusal.
fn make_link() -> Option<OwnedFd> {
    if !in_initial_pid_namespace() {
        return None;
    }
    let data = std::fs::read("/sys/kernel/btf/vmlinux").ok()?;
    let btf = Btf::parse(&data)?;
    let layout = Layout {
        attach: btf.func("bpf_iter_task_file")?,
        tgid: btf.member("task_struct", "tgid")?,
        f_inode: btf.member("file", "f_inode")?,
        i_mode: btf.member("inode", "i_mode")?,
        i_ino: btf.member("inode", "i_ino")?,
        i_sb: btf.member("inode", "i_sb")?,
        s_dev: btf.member("super_block", "s_dev")?,
    };
    let program = program(&layout)?;
    let prog = sys::load(&program, layout.attach)?;
    sys::attach(&prog)
}

/// The kernel layout the program reads.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// BTF id of `bpf_iter_task_file`, the attach point.
    attach: u32,
    tgid: Member,
    f_inode: Member,
    i_mode: Member,
    i_ino: Member,
    i_sb: Member,
    s_dev: Member,
}

/// eBPF instruction encodings (`linux/bpf.h`, `linux/bpf_common.h`).
mod op {
    /// `dst = *(size *)(src + off)`: class LDX, mode MEM; the size bits are added.
    pub const LDX_MEM: u8 = 0x61;
    /// `*(size *)(dst + off) = src`: class STX, mode MEM.
    pub const STX_MEM: u8 = 0x63;
    /// 64-bit `dst = src`.
    pub const MOV64_REG: u8 = 0xbf;
    /// 64-bit `dst = imm`.
    pub const MOV64_IMM: u8 = 0xb7;
    /// 64-bit `dst += imm`.
    pub const ADD64_IMM: u8 = 0x07;
    /// 64-bit `dst &= imm`.
    pub const AND64_IMM: u8 = 0x57;
    /// `if dst == imm goto +off`.
    pub const JEQ_IMM: u8 = 0x15;
    /// `if dst != imm goto +off`.
    pub const JNE_IMM: u8 = 0x55;
    /// Call helper `imm`.
    pub const CALL: u8 = 0x85;
    /// Return r0.
    pub const EXIT: u8 = 0x95;
    /// The helper `bpf_seq_write(seq, data, len)`.
    pub const SEQ_WRITE: i32 = 127;
}

/// One instruction: opcode, registers, offset, immediate.
fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[0] = code;
    b[1] = dst | (src << 4);
    b[2..4].copy_from_slice(&off.to_le_bytes());
    b[4..8].copy_from_slice(&imm.to_le_bytes());
    b
}

/// A load of member `m` (its size: 1, 2, 4 or 8 bytes) of the struct `src` points at.
fn load(dst: u8, src: u8, m: Member) -> Option<[u8; 8]> {
    let size = match m.size {
        4 => 0x00,
        2 => 0x08,
        1 => 0x10,
        8 => 0x18,
        _ => return None,
    };
    Some(insn(
        op::LDX_MEM | size,
        dst,
        src,
        i16::try_from(m.offset).ok()?,
        0,
    ))
}

/// The program, for each open file of each process:
/// `if file is a socket { seq_write({tgid, i_sb->s_dev, i_ino}) }`.
fn program(l: &Layout) -> Option<Vec<u8>> {
    let ptr = |offset| Member { offset, size: 8 };
    // The iterator's context: meta (whose first member is the seq_file), task, fd, file.
    let (meta, task, file) = (ptr(0), ptr(8), ptr(24));
    // Each check jumps over the rest to the final `r0 = 0; exit` (the offsets count the
    // instructions between; a unit test checks them).
    let body: Vec<Option<[u8; 8]>> = vec![
        Some(insn(op::MOV64_REG, 6, 1, 0, 0)), // r6 = ctx
        load(7, 6, task),                      // r7 = ctx->task
        load(8, 6, file),                      // r8 = ctx->file
        Some(insn(op::JEQ_IMM, 7, 0, 18, 0)),  // no task: done
        Some(insn(op::JEQ_IMM, 8, 0, 17, 0)),  // no file: done
        load(2, 8, l.f_inode),                 // r2 = file->f_inode
        load(3, 2, l.i_mode),                  // r3 = inode->i_mode
        Some(insn(op::AND64_IMM, 3, 0, 0, 0o170000)),
        Some(insn(op::JNE_IMM, 3, 0, 13, 0o140000)), // not a socket: done
        load(4, 2, l.i_ino),                         // r4 = inode->i_ino
        load(9, 2, l.i_sb),                          // r9 = inode->i_sb
        load(9, 9, l.s_dev),                         // r9 = sb->s_dev
        load(5, 7, l.tgid),                          // r5 = task->tgid
        Some(insn(op::STX_MEM, 10, 5, -16, 0)),      // record: pid
        Some(insn(op::STX_MEM, 10, 9, -12, 0)),      // record: device
        Some(insn(op::STX_MEM | 0x18, 10, 4, -8, 0)), // record: inode
        load(1, 6, meta),                            // r1 = ctx->meta
        load(1, 1, meta),                            // r1 = meta->seq
        Some(insn(op::MOV64_REG, 2, 10, 0, 0)),
        Some(insn(op::ADD64_IMM, 2, 0, 0, -(RECORD as i32))), // r2 = &record
        Some(insn(op::MOV64_IMM, 3, 0, 0, RECORD as i32)),    // r3 = 16
        Some(insn(op::CALL, 0, 0, 0, op::SEQ_WRITE)),
        Some(insn(op::MOV64_IMM, 0, 0, 0, 0)), // done: r0 = 0
        Some(insn(op::EXIT, 0, 0, 0, 0)),
    ];
    let mut out = Vec::with_capacity(body.len() * 8);
    for i in body {
        out.extend(i?);
    }
    Some(out)
}

#[allow(unsafe_code)]
mod sys {
    use std::io::Read;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    /// `bpf(2)` commands, program and attach types (`linux/bpf.h`).
    const BPF_PROG_LOAD: libc::c_long = 5;
    const BPF_LINK_CREATE: libc::c_long = 28;
    const BPF_ITER_CREATE: libc::c_long = 33;
    const BPF_PROG_TYPE_TRACING: u32 = 26;
    const BPF_TRACE_ITER: u32 = 28;

    /// `bpf(cmd, attr, size)`: the new descriptor, or `None` on refusal.
    fn bpf(cmd: libc::c_long, attr: &mut [u8]) -> Option<OwnedFd> {
        // SAFETY: `attr` is a writable buffer of the size passed; every pointer written into
        // it refers to memory that outlives the call (the callers keep it borrowed).
        let fd = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), attr.len()) };
        let fd = i32::try_from(fd).ok().filter(|&fd| fd >= 0)?;
        // SAFETY: the kernel just handed us `fd`; nothing else owns it.
        Some(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    fn put(attr: &mut [u8], at: usize, bytes: &[u8]) {
        attr[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Loads `program` as a task-file iterator program attached to BTF function `attach`.
    pub fn load(program: &[u8], attach: u32) -> Option<OwnedFd> {
        let license = b"GPL\0";
        let mut attr = [0u8; 128];
        put(&mut attr, 0, &BPF_PROG_TYPE_TRACING.to_ne_bytes());
        put(
            &mut attr,
            4,
            &u32::try_from(program.len() / 8).ok()?.to_ne_bytes(),
        );
        put(&mut attr, 8, &(program.as_ptr() as u64).to_ne_bytes());
        put(&mut attr, 16, &(license.as_ptr() as u64).to_ne_bytes());
        put(&mut attr, 48, b"netpry_fds\0");
        put(&mut attr, 68, &BPF_TRACE_ITER.to_ne_bytes());
        put(&mut attr, 108, &attach.to_ne_bytes());
        bpf(BPF_PROG_LOAD, &mut attr)
    }

    /// Attaches a loaded iterator program: the link each run is started from.
    pub fn attach(prog: &OwnedFd) -> Option<OwnedFd> {
        let mut attr = [0u8; 64];
        put(&mut attr, 0, &prog.as_raw_fd().to_ne_bytes());
        put(&mut attr, 8, &BPF_TRACE_ITER.to_ne_bytes());
        bpf(BPF_LINK_CREATE, &mut attr)
    }

    /// Runs the iterator once: everything the program wrote.
    pub fn run_iterator(link: &OwnedFd) -> Option<Vec<u8>> {
        let mut attr = [0u8; 8];
        put(&mut attr, 0, &link.as_raw_fd().to_ne_bytes());
        let iter = bpf(BPF_ITER_CREATE, &mut attr)?;
        let mut file = std::fs::File::from(iter);
        let mut out = Vec::with_capacity(1 << 20);
        file.read_to_end(&mut out).ok()?;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_whole_instructions_and_its_jumps_land_on_the_exit() {
        let m = |offset, size| Member { offset, size };
        let l = Layout {
            attach: 1,
            tgid: m(1000, 4),
            f_inode: m(32, 8),
            i_mode: m(0, 2),
            i_ino: m(64, 8),
            i_sb: m(40, 8),
            s_dev: m(16, 4),
        };
        let p = program(&l).expect("assembles");
        assert_eq!(p.len() % 8, 0);
        let insns: Vec<&[u8]> = p.chunks(8).collect();
        let exit = insns.len() - 2; // `r0 = 0` before `exit`
        for (i, ins) in insns.iter().enumerate() {
            if matches!(ins[0], op::JEQ_IMM | op::JNE_IMM) {
                let off = i16::from_le_bytes([ins[2], ins[3]]) as usize;
                assert_eq!(i + 1 + off, exit, "jump at {i}");
            }
        }
        assert_eq!(insns.last().map(|i| i[0]), Some(op::EXIT));
        // A member of a size no load has, or beyond a load's reach, is refused.
        assert!(
            program(&Layout {
                i_mode: m(0, 3),
                ..l
            })
            .is_none()
        );
        let far = Layout {
            tgid: m(70_000, 4),
            ..l
        };
        assert!(program(&far).is_none());
    }
}
