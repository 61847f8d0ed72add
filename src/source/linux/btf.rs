//! The few facts netpry needs from the kernel's own type information (BTF,
//! `/sys/kernel/btf/vmlinux`): the id of a function and where a member sits in a struct.
//!
//! The descriptor iterator ([`super::fd_iter`]) reads kernel structs (`task_struct`, `file`,
//! `inode`, `super_block`) whose layout changes from one kernel build to the next; BTF says
//! where each member is on the running kernel, so nothing is guessed. The format is the
//! kernel's documented one (a header, then the type records, then the string section); any
//! record that does not fit the data ends the parse with `None`, never a panic.

/// BTF kinds this parser needs to tell apart.
const KIND_INT: u32 = 1;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

/// Where a struct member sits: byte offset and size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Byte offset from the start of the struct.
    pub offset: u32,
    /// Size in bytes (8 for a pointer).
    pub size: u32,
}

/// Parsed BTF: the raw bytes and the offset of every type record, by type id.
pub struct Btf<'a> {
    data: &'a [u8],
    strings: &'a [u8],
    /// Byte offset of each type record in `data`; index 0 stands for type id 0 (void).
    types: Vec<usize>,
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

impl<'a> Btf<'a> {
    /// Parses `data` (a little-endian BTF blob); `None` when it is not one or is cut short.
    pub fn parse(data: &'a [u8]) -> Option<Btf<'a>> {
        if u16_at(data, 0)? != 0xeb9f {
            return None;
        }
        let hdr_len = u32_at(data, 4)? as usize;
        let (type_off, type_len) = (u32_at(data, 8)? as usize, u32_at(data, 12)? as usize);
        let (str_off, str_len) = (u32_at(data, 16)? as usize, u32_at(data, 20)? as usize);
        let start = hdr_len.checked_add(type_off)?;
        let end = start.checked_add(type_len)?;
        let s = hdr_len.checked_add(str_off)?;
        let strings = data.get(s..s.checked_add(str_len)?)?;
        let data = data.get(..end)?;
        let mut types = vec![0];
        let mut at = start;
        while at < end {
            let info = u32_at(data, at + 4)?;
            let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
            let extra = match kind {
                1 | 14 | 17 => 4,
                3 => 12,
                4 | 5 | 15 | KIND_ENUM64 => 12 * vlen,
                6 | 13 => 8 * vlen,
                2 | 7..=12 | 16 | 18 => 0,
                _ => return None,
            };
            types.push(at);
            at = at.checked_add(12 + extra)?;
        }
        Some(Btf {
            data,
            strings,
            types,
        })
    }

    fn name(&self, off: u32) -> &'a [u8] {
        let rest = self.strings.get(off as usize..).unwrap_or_default();
        &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
    }

    /// (name offset, kind, size-or-type, kind flag, vlen) of type `id`.
    fn header(&self, id: u32) -> Option<(u32, u32, u32, bool, usize)> {
        let at = *self.types.get(id as usize)?;
        let info = u32_at(self.data, at + 4)?;
        Some((
            u32_at(self.data, at)?,
            (info >> 24) & 0x1f,
            u32_at(self.data, at + 8)?,
            info >> 31 == 1,
            (info & 0xffff) as usize,
        ))
    }

    /// The id of the first type of `kind` named `name`.
    fn find(&self, kind: u32, name: &[u8]) -> Option<u32> {
        (1..self.types.len() as u32).find(|&id| {
            self.header(id)
                .is_some_and(|(n, k, ..)| k == kind && self.name(n) == name)
        })
    }

    /// The id of the kernel function `name` (what an iterator program attaches to).
    pub fn func(&self, name: &str) -> Option<u32> {
        self.find(KIND_FUNC, name.as_bytes())
    }

    /// Type `id` with typedefs and qualifiers (const, volatile, ...) looked through.
    fn resolve(&self, mut id: u32) -> Option<u32> {
        for _ in 0..32 {
            let (_, kind, next, ..) = self.header(id)?;
            match kind {
                KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG => {
                    id = next
                }
                _ => return Some(id),
            }
        }
        None
    }

    /// Size in bytes of a member of type `id`: integers, structs and unions say so; pointers
    /// and enums are 8 and 4 on the 64-bit kernels this runs on.
    fn size_of(&self, id: u32) -> Option<u32> {
        let (_, kind, size, ..) = self.header(self.resolve(id)?)?;
        match kind {
            KIND_INT | KIND_STRUCT | KIND_UNION | 6 | KIND_ENUM64 | 16 => Some(size),
            2 => Some(8),
            _ => None,
        }
    }

    /// Member `member` of struct `strukt`, found through anonymous structs and unions.
    pub fn member(&self, strukt: &str, member: &str) -> Option<Member> {
        let id = self.find(KIND_STRUCT, strukt.as_bytes())?;
        self.member_of(id, member.as_bytes(), 0)
    }

    fn member_of(&self, id: u32, name: &[u8], depth: u32) -> Option<Member> {
        let (_, kind, _, bitfields, vlen) = self.header(id)?;
        if depth > 8 || !matches!(kind, KIND_STRUCT | KIND_UNION) {
            return None;
        }
        let first = self.types[id as usize] + 12;
        for i in 0..vlen {
            let at = first + 12 * i;
            let (m_name, m_type, m_off) = (
                u32_at(self.data, at)?,
                u32_at(self.data, at + 4)?,
                u32_at(self.data, at + 8)?,
            );
            let bits = if bitfields { m_off & 0xff_ffff } else { m_off };
            if bitfields && m_off >> 24 != 0 {
                continue; // a bitfield: no byte load reaches it
            }
            let offset = bits / 8;
            if m_name == 0 {
                if let Some(m) = self.member_of(self.resolve(m_type)?, name, depth + 1) {
                    return Some(Member {
                        offset: offset + m.offset,
                        size: m.size,
                    });
                }
            } else if self.name(m_name) == name {
                return Some(Member {
                    offset,
                    size: self.size_of(m_type)?,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny BTF blob: `int` (4 bytes), `struct s { int a; union { int b; }; }`, and a
    /// function `f`.
    fn blob() -> Vec<u8> {
        let strings = b"\0int\0s\0a\0b\0f\0";
        let name = |s: &str| {
            let at = strings
                .windows(s.len() + 2)
                .position(|w| w[0] == 0 && &w[1..=s.len()] == s.as_bytes() && w[s.len() + 1] == 0)
                .unwrap();
            (at + 1) as u32
        };
        let mut t = Vec::new();
        let mut put = |words: &[u32]| words.iter().for_each(|w| t.extend(w.to_le_bytes()));
        // 1: int, 4 bytes.
        put(&[name("int"), KIND_INT << 24, 4, 32]);
        // 2: union { int b; }.
        put(&[0, KIND_UNION << 24 | 1, 4, name("b"), 1, 0]);
        // 3: struct s { int a; union {...} at byte 4 }.
        put(&[
            name("s"),
            KIND_STRUCT << 24 | 2,
            8,
            name("a"),
            1,
            0,
            0,
            2,
            32,
        ]);
        // 4: func f (its prototype is left out: type 0).
        put(&[name("f"), KIND_FUNC << 24, 0]);
        let mut b = Vec::new();
        for w in [0x0001_eb9fu32, 24, 0, t.len() as u32, t.len() as u32] {
            b.extend(w.to_le_bytes());
        }
        b.extend((strings.len() as u32).to_le_bytes());
        b.extend(&t);
        b.extend(strings);
        b
    }

    #[test]
    fn members_and_functions_are_found_through_anonymous_unions() {
        let data = blob();
        let btf = Btf::parse(&data).expect("parses");
        assert_eq!(btf.member("s", "a"), Some(Member { offset: 0, size: 4 }));
        assert_eq!(btf.member("s", "b"), Some(Member { offset: 4, size: 4 }));
        assert_eq!(btf.member("s", "c"), None);
        assert_eq!(btf.member("t", "a"), None);
        assert_eq!(btf.func("f"), Some(4));
        assert_eq!(btf.func("g"), None);
    }

    #[test]
    fn damaged_data_is_refused_not_a_panic() {
        let data = blob();
        for cut in 0..data.len() {
            if let Some(btf) = Btf::parse(&data[..cut]) {
                let _ = btf.member("s", "b");
                let _ = btf.func("f");
            }
        }
        let mut bad = data.clone();
        bad[0] = 0;
        assert!(Btf::parse(&bad).is_none());
        let mut huge = data;
        huge[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Btf::parse(&huge).is_none());
    }

    #[test]
    fn the_running_kernel_describes_what_the_iterator_reads() {
        let Ok(data) = std::fs::read("/sys/kernel/btf/vmlinux") else {
            return; // a kernel built without BTF: the iterator is not used there either
        };
        let btf = Btf::parse(&data).expect("the kernel's BTF parses");
        assert!(btf.func("bpf_iter_task_file").is_some());
        assert_eq!(btf.member("task_struct", "tgid").map(|m| m.size), Some(4));
        assert_eq!(btf.member("file", "f_inode").map(|m| m.size), Some(8));
        assert_eq!(btf.member("inode", "i_mode").map(|m| m.size), Some(2));
        assert_eq!(btf.member("inode", "i_ino").map(|m| m.size), Some(8));
    }
}
