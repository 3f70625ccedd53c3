//! Replacing or adding sections of an ELF file without disturbing anything else, for rewriting a
//! module's `.BTF` and `.BTF.base` in place.
//!
//! The original bytes are kept as they are. New section contents go after the end of the file,
//! followed (when a name was added) by a grown copy of the section-name string table and a new
//! section header table holding the updated and added entries; the ELF header's `e_shoff` and
//! `e_shnum` then point at the new table. Existing section indices stay valid (new sections are
//! appended), so symbols and relocations are untouched. The old section header table and the
//! old contents of replaced sections stay in the file as unreferenced bytes. 32- and 64-bit ELF
//! of either byte order are handled.

use object::read::elf::{FileHeader, SectionHeader};
use object::{Endian, FileKind, elf};

use crate::model::error::{Error, ErrorKind, Result};

/// One section to write: replaced when the file has a section of that name, else added as
/// `SHT_PROGBITS` with no flags.
#[derive(Debug, Clone, Copy)]
pub struct SectionUpdate<'a> {
    /// Section name, e.g. `.BTF` or `.BTF.base`.
    pub name: &'a str,
    /// The section's new contents.
    pub data: &'a [u8],
    /// Alignment of the contents in the file (`sh_addralign`): 1 or 4.
    pub align: u64,
}

fn format_err(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::ElfFormat, what.to_string())
}

/// A section header, class-independent.
#[derive(Debug, Clone, Copy)]
struct Sh {
    name: u32,
    kind: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    addralign: u64,
    entsize: u64,
}

struct Layout {
    is64: bool,
    big: bool,
}

impl Layout {
    fn put(&self, out: &mut Vec<u8>, v: u64, width: usize) {
        let bytes = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        if self.big {
            out.extend_from_slice(&bytes[8 - width..]);
        } else {
            out.extend_from_slice(&bytes[..width]);
        }
    }
    fn word(&self) -> usize {
        if self.is64 { 8 } else { 4 }
    }
    fn write_sh(&self, out: &mut Vec<u8>, sh: &Sh) {
        let w = self.word();
        self.put(out, u64::from(sh.name), 4);
        self.put(out, u64::from(sh.kind), 4);
        self.put(out, sh.flags, w);
        self.put(out, sh.addr, w);
        self.put(out, sh.offset, w);
        self.put(out, sh.size, w);
        self.put(out, u64::from(sh.link), 4);
        self.put(out, u64::from(sh.info), 4);
        self.put(out, sh.addralign, w);
        self.put(out, sh.entsize, w);
    }
    fn patch(&self, out: &mut [u8], at: usize, v: u64, width: usize) {
        let mut tmp = Vec::with_capacity(8);
        self.put(&mut tmp, v, width);
        out[at..at + width].copy_from_slice(&tmp);
    }
}

fn pad_to(out: &mut Vec<u8>, align: u64) {
    let align = align.max(1) as usize;
    while out.len() % align != 0 {
        out.push(0);
    }
}

fn rewrite<Elf: FileHeader>(
    data: &[u8],
    updates: &[SectionUpdate<'_>],
    is64: bool,
) -> Result<Vec<u8>> {
    let header = Elf::parse(data).map_err(|e| format_err(format!("bad ELF header: {e}")))?;
    let endian = header
        .endian()
        .map_err(|e| format_err(format!("bad ELF header: {e}")))?;
    let table = header
        .sections(endian, data)
        .map_err(|e| format_err(format!("bad section headers: {e}")))?;
    if table.is_empty() {
        return Err(format_err("the ELF file has no section header table"));
    }
    let shstrndx = header
        .shstrndx(endian, data)
        .map_err(|e| format_err(format!("bad e_shstrndx: {e}")))? as usize;
    let mut shs: Vec<Sh> = table
        .iter()
        .map(|s| Sh {
            name: s.sh_name(endian),
            kind: s.sh_type(endian),
            flags: s.sh_flags(endian).into(),
            addr: s.sh_addr(endian).into(),
            offset: s.sh_offset(endian).into(),
            size: s.sh_size(endian).into(),
            link: s.sh_link(endian),
            info: s.sh_info(endian),
            addralign: s.sh_addralign(endian).into(),
            entsize: s.sh_entsize(endian).into(),
        })
        .collect();
    if shstrndx == 0 || shstrndx >= shs.len() {
        return Err(format_err("the ELF file has no section name table"));
    }
    let strtab = table
        .section(object::SectionIndex(shstrndx))
        .map_err(|e| format_err(format!("section name table: {e}")))?
        .data(endian, data)
        .map_err(|e| format_err(format!("section name table out of bounds: {e}")))?;
    let mut new_strtab: Option<Vec<u8>> = None;
    let layout = Layout {
        is64,
        big: !endian.is_little_endian(),
    };

    let mut out = data.to_vec();
    for u in updates {
        if !matches!(u.align, 1 | 4) {
            return Err(format_err(format!(
                "section {}: alignment {} (only 1 or 4)",
                u.name, u.align
            )));
        }
        let existing = table.iter().enumerate().skip(1).find(|(_, s)| {
            table
                .section_name(endian, *s)
                .is_ok_and(|n| n == u.name.as_bytes())
        });
        pad_to(&mut out, u.align);
        let offset = out.len() as u64;
        out.extend_from_slice(u.data);
        match existing {
            Some((idx, _)) => {
                let sh = &mut shs[idx];
                if sh.kind == elf::SHT_NOBITS {
                    return Err(format_err(format!("section {} is SHT_NOBITS", u.name)));
                }
                sh.offset = offset;
                sh.size = u.data.len() as u64;
                sh.addralign = u.align;
            }
            None => {
                let names = new_strtab.get_or_insert_with(|| strtab.to_vec());
                let name = u32::try_from(names.len())
                    .map_err(|_| format_err("section name table too large"))?;
                names.extend_from_slice(u.name.as_bytes());
                names.push(0);
                shs.push(Sh {
                    name,
                    kind: elf::SHT_PROGBITS,
                    flags: 0,
                    addr: 0,
                    offset,
                    size: u.data.len() as u64,
                    link: 0,
                    info: 0,
                    addralign: u.align,
                    entsize: 0,
                });
            }
        }
    }
    if let Some(names) = new_strtab {
        let offset = out.len() as u64;
        out.extend_from_slice(&names);
        let sh = &mut shs[shstrndx];
        sh.offset = offset;
        sh.size = names.len() as u64;
    }

    // The new section header table.
    let count = shs.len();
    if count >= usize::from(elf::SHN_LORESERVE) {
        // Extended numbering: e_shnum is 0 and the count lives in section 0's sh_size.
        shs[0].size = count as u64;
    }
    pad_to(&mut out, layout.word() as u64);
    let shoff = out.len() as u64;
    if !is64 && shoff > u64::from(u32::MAX) {
        return Err(format_err("file too large for 32-bit ELF"));
    }
    for sh in &shs {
        layout.write_sh(&mut out, sh);
    }
    let e_shnum = if count >= usize::from(elf::SHN_LORESERVE) {
        0
    } else {
        count as u64
    };
    let shentsize = if is64 { 64 } else { 40 };
    if is64 {
        layout.patch(&mut out, 0x28, shoff, 8);
        layout.patch(&mut out, 0x3a, shentsize, 2);
        layout.patch(&mut out, 0x3c, e_shnum, 2);
    } else {
        layout.patch(&mut out, 0x20, shoff, 4);
        layout.patch(&mut out, 0x2e, shentsize, 2);
        layout.patch(&mut out, 0x30, e_shnum, 2);
    }
    Ok(out)
}

/// Returns a copy of the ELF image `data` with each of `updates` replacing the section of that
/// name or added as a new `SHT_PROGBITS` section. Every other byte of the input is kept as is
/// (the result starts with the whole input, except for `e_shoff`/`e_shnum`/`e_shentsize`).
///
/// # Errors
/// [`ErrorKind::ElfFormat`] when `data` is not ELF, has no section header or section name
/// table, when a replaced section is `SHT_NOBITS` or an alignment is not 1 or 4.
pub fn replace_sections(data: &[u8], updates: &[SectionUpdate<'_>]) -> Result<Vec<u8>> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => {
            rewrite::<elf::FileHeader32<object::Endianness>>(data, updates, false)
        }
        Ok(FileKind::Elf64) => {
            rewrite::<elf::FileHeader64<object::Endianness>>(data, updates, true)
        }
        _ => Err(format_err("not an ELF file")),
    }
}

/// Distills the split BTF of the module ELF image `data` (read over `base`, its vmlinux; an
/// existing `.BTF.base` is relocated onto `base` first) and returns the image with `.BTF`
/// replaced by the new split BTF and `.BTF.base` replaced or added with the distilled base.
pub fn distill_elf(data: &[u8], base: std::sync::Arc<crate::Btf>) -> Result<Vec<u8>> {
    let module = crate::read::elf::parse_elf(data, Some(base))?;
    let (dist_base, split) = module.btf.distill_base()?;
    let base_raw = dist_base.raw_data();
    let split_raw = split.raw_data();
    replace_sections(
        data,
        &[
            SectionUpdate {
                name: crate::read::elf::BTF_SECTION,
                data: &split_raw,
                align: 4,
            },
            SectionUpdate {
                name: crate::read::elf::BTF_BASE_SECTION,
                data: &base_raw,
                align: 4,
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Btf;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn corpus() -> Option<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        dir.is_dir().then_some(dir)
    }

    /// Kind, name, size and (to a bounded depth) the shape of what a type refers to.
    fn sig(btf: &Btf, id: u32, depth: u32) -> String {
        if id == 0 {
            return "void".into();
        }
        let t = btf.type_by_id(id).expect("valid id");
        let name = String::from_utf8_lossy(btf.name_of(&t)).into_owned();
        let mut s = format!("{}:{name}", t.kind_raw());
        if depth == 0 {
            return s;
        }
        match t.kind() {
            Some(crate::Kind::Struct | crate::Kind::Union) => {
                s += &format!("/{}{{", t.size());
                for m in t.members() {
                    let mname = String::from_utf8_lossy(btf.str_bytes(m.name_off).unwrap_or(b""));
                    s += &format!("{mname}@{}:{};", m.offset, sig(btf, m.type_id, depth - 1));
                }
                s += "}";
            }
            Some(crate::Kind::Int | crate::Kind::Enum | crate::Kind::Float) => {
                s += &format!("/{}", t.size());
            }
            Some(
                crate::Kind::Ptr
                | crate::Kind::Const
                | crate::Kind::Volatile
                | crate::Kind::Restrict
                | crate::Kind::Typedef
                | crate::Kind::Func
                | crate::Kind::Var,
            ) => {
                s += &format!("->{}", sig(btf, t.type_id(), depth - 1));
            }
            Some(crate::Kind::Array) => {
                let a = t.array();
                s += &format!("[{}]{}", a.nelems, sig(btf, a.elem_type, depth - 1));
            }
            _ => {}
        }
        s
    }

    #[test]
    fn replace_and_add_sections_round_trip() {
        let Some(dir) = corpus() else {
            eprintln!("SKIP replace_and_add_sections_round_trip: ../shared/corpus absent");
            return;
        };
        let vmlinux = Arc::new(Btf::parse_file(dir.join("vmlinux/6.1.0-47.btf"), None).unwrap());
        let mut kos: Vec<_> = std::fs::read_dir(dir.join("ko/6.1.0-47"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        kos.sort();
        assert!(!kos.is_empty());
        for ko in kos.iter().take(3) {
            let data = crate::decompress(&std::fs::read(ko).unwrap())
                .unwrap()
                .into_owned();
            let orig = crate::read::elf::parse_elf(&data, Some(Arc::clone(&vmlinux)))
                .unwrap()
                .btf;
            let new = distill_elf(&data, Arc::clone(&vmlinux)).unwrap();
            assert_eq!(
                &new[0x40..data.len()],
                &data[0x40..],
                "{}: bytes kept",
                ko.display()
            );
            // Without a base: split over the distilled base.
            let over_dist = crate::read::elf::parse_elf(&new, None).unwrap().btf;
            let dist = over_dist.base().expect("split over .BTF.base");
            assert!(dist.type_cnt() < 1000);
            // With a base: relocated onto it.
            let reloc = crate::read::elf::parse_elf(&new, Some(Arc::clone(&vmlinux)))
                .unwrap()
                .btf;
            assert_eq!(reloc.start_id(), vmlinux.type_cnt());
            let n = orig.type_cnt() - orig.start_id();
            for i in 0..n {
                let a = sig(&orig, orig.start_id() + i, 3);
                let ok = a == sig(&reloc, reloc.start_id() + i, 3);
                assert!(ok, "{}: relocated type {i} differs", ko.display());
                // The distilled base keeps only names and sizes: compare one level deep.
                let a = sig(&orig, orig.start_id() + i, 1);
                let ok = a == sig(&over_dist, over_dist.start_id() + i, 1);
                assert!(
                    ok,
                    "{}: type {i} over the distilled base differs",
                    ko.display()
                );
            }
            // Doing it again replaces both sections instead of adding more.
            let again = distill_elf(&new, Arc::clone(&vmlinux)).unwrap();
            let secs = crate::read::elf::elf_sections(&again).unwrap();
            assert_eq!(secs.base.unwrap(), dist.raw_data().as_ref());
        }
    }

    /// A minimal ELF image: null section and `.shstrtab` only.
    fn tiny_elf(is64: bool, big: bool) -> Vec<u8> {
        let l = Layout { is64, big };
        let ehsize = if is64 { 64 } else { 52 };
        let strtab = b"\0.shstrtab\0";
        let mut out = vec![0u8; ehsize];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = if is64 { 2 } else { 1 };
        out[5] = if big { 2 } else { 1 };
        out[6] = 1;
        l.patch(&mut out, 0x10, 1, 2); // ET_REL
        l.patch(&mut out, 0x14, 1, 4); // EV_CURRENT
        let str_off = out.len() as u64;
        out.extend_from_slice(strtab);
        pad_to(&mut out, 8);
        let shoff = out.len() as u64;
        l.write_sh(
            &mut out,
            &Sh {
                name: 0,
                kind: 0,
                flags: 0,
                addr: 0,
                offset: 0,
                size: 0,
                link: 0,
                info: 0,
                addralign: 0,
                entsize: 0,
            },
        );
        l.write_sh(
            &mut out,
            &Sh {
                name: 1,
                kind: elf::SHT_STRTAB,
                flags: 0,
                addr: 0,
                offset: str_off,
                size: strtab.len() as u64,
                link: 0,
                info: 0,
                addralign: 1,
                entsize: 0,
            },
        );
        let (shoff_at, hdr) = if is64 { (0x28, 0x34) } else { (0x20, 0x28) };
        l.patch(&mut out, shoff_at, shoff, l.word());
        l.patch(&mut out, hdr, ehsize as u64, 2); // e_ehsize
        let sh = if is64 { 64 } else { 40 };
        l.patch(&mut out, hdr + 6, sh, 2); // e_shentsize
        l.patch(&mut out, hdr + 8, 2, 2); // e_shnum
        l.patch(&mut out, hdr + 10, 1, 2); // e_shstrndx
        out
    }

    #[test]
    fn all_classes_and_byte_orders() {
        for is64 in [false, true] {
            for big in [false, true] {
                let elf = tiny_elf(is64, big);
                assert!(crate::read::elf::elf_sections(&elf).unwrap().btf.is_none());
                let btf = b"BTF-bytes";
                let out = replace_sections(
                    &elf,
                    &[SectionUpdate {
                        name: ".BTF",
                        data: btf,
                        align: 4,
                    }],
                )
                .unwrap();
                let secs = crate::read::elf::elf_sections(&out).unwrap();
                assert_eq!(secs.btf.unwrap(), btf, "is64 {is64} big {big}");
                let out2 = replace_sections(
                    &out,
                    &[
                        SectionUpdate {
                            name: ".BTF",
                            data: b"x",
                            align: 1,
                        },
                        SectionUpdate {
                            name: ".BTF.base",
                            data: b"base",
                            align: 4,
                        },
                    ],
                )
                .unwrap();
                let secs = crate::read::elf::elf_sections(&out2).unwrap();
                assert_eq!(secs.btf.unwrap(), b"x");
                assert_eq!(secs.base.unwrap(), b"base");
            }
        }
        assert!(replace_sections(b"not elf at all", &[]).is_err());
    }
}
