//! The parts of a kernel module ELF the checker reads: `.BTF`, `.BTF.base`, `.modinfo` (`key=value`
//! strings: `vermagic`, `name`) and `__versions` (modversions: one `struct modversion_info` per
//! imported symbol, a CRC in an `unsigned long` and a NUL-padded name, 64 bytes in all).

use object::read::elf::{FileHeader, SectionHeader};
use object::{Endianness, FileKind, elf};

use crate::check::{ModuleParts, Versions};
use crate::model::error::{Error, ErrorKind, Result};

/// What `.modinfo` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModInfo {
    /// `name=`.
    pub name: Option<String>,
    /// `vermagic=` (e.g. `6.1.0-47-amd64 SMP preempt mod_unload modversions `); its first word
    /// is the kernel release.
    pub vermagic: Option<String>,
}

impl ModInfo {
    /// Reads `key=value` strings separated by NULs.
    pub fn parse(data: &[u8]) -> ModInfo {
        let mut info = ModInfo::default();
        for entry in data.split(|&c| c == 0) {
            if let Some(v) = entry.strip_prefix(b"vermagic=") {
                info.vermagic = Some(String::from_utf8_lossy(v).into_owned());
            } else if let Some(v) = entry.strip_prefix(b"name=") {
                info.name = Some(String::from_utf8_lossy(v).into_owned());
            }
        }
        info
    }

    /// The kernel release: the first word of vermagic.
    pub fn release(&self) -> Option<&str> {
        self.vermagic.as_deref()?.split_whitespace().next()
    }
}

/// One `__versions` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolVersion {
    /// The symbol the module imports.
    pub name: String,
    /// Its CRC as the module was built (`CONFIG_MODVERSIONS`).
    pub crc: u64,
}

/// The entries of a `__versions` section (a trailing partial entry is ignored). CRCs are 32-bit
/// values stored in an `unsigned long`.
pub(crate) fn parse_versions(v: &Versions<'_>) -> Vec<SymbolVersion> {
    const ENTRY: usize = 64;
    let word = if v.word == 4 { 4 } else { 8 };
    v.data
        .chunks_exact(ENTRY)
        .filter_map(|e| {
            let mut crc = 0u64;
            for i in 0..word {
                let b = u64::from(e[if v.big_endian { i } else { word - 1 - i }]);
                crc = (crc << 8) | b;
            }
            let name = &e[word..];
            let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
            (end > 0).then(|| SymbolVersion {
                name: String::from_utf8_lossy(&name[..end]).into_owned(),
                crc: crc & 0xffff_ffff,
            })
        })
        .collect()
}

fn format_err(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::ElfFormat, what.to_string())
}

fn scan<'a, Elf: FileHeader<Endian = Endianness>>(
    data: &'a [u8],
    word: usize,
) -> Result<ModuleParts<'a>> {
    let (_, endian, sections) = crate::read::elf::open::<Elf>(data)?;
    let mut parts = ModuleParts::default();
    let mut btf = None;
    for sh in sections.iter().skip(1) {
        let Ok(name) = sections.section_name(endian, sh) else {
            continue;
        };
        if !matches!(name, b".BTF" | b".BTF.base" | b".modinfo" | b"__versions") {
            continue;
        }
        if sh.sh_type(endian) == elf::SHT_NOBITS {
            continue;
        }
        let bytes = sh.data(endian, data).map_err(|e| {
            format_err(format!(
                "section {}: data out of bounds: {e}",
                String::from_utf8_lossy(name)
            ))
        })?;
        match name {
            b".BTF" => btf = btf.or(Some(bytes)),
            b".BTF.base" => parts.distilled_base = parts.distilled_base.or(Some(bytes)),
            b".modinfo" => parts.modinfo = parts.modinfo.or(Some(bytes)),
            _ => {
                parts.versions = parts.versions.or(Some(Versions {
                    data: bytes,
                    word,
                    big_endian: endian == Endianness::Big,
                }))
            }
        }
    }
    parts.btf = btf.ok_or_else(|| Error::new(ErrorKind::NoBtfSection, "no .BTF section"))?;
    Ok(parts)
}

/// The checker's parts of an ELF module.
pub(crate) fn elf_parts(data: &[u8]) -> Result<ModuleParts<'_>> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => scan::<elf::FileHeader32<Endianness>>(data, 4),
        Ok(FileKind::Elf64) => scan::<elf::FileHeader64<Endianness>>(data, 8),
        _ => Err(Error::new(
            ErrorKind::NotBtf,
            "neither raw BTF nor an ELF file (nor xz, zstd or gzip of one)",
        )),
    }
}
