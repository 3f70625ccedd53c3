//! Reading BTF out of ELF files with the `object` crate, as libbpf's `btf_parse_elf` does: `.BTF`,
//! `.BTF.ext` (kept as bytes, parsed on request into a [`BtfExt`]) and `.BTF.base` (a distilled base the `.BTF` is split over), each of
//! which must be `SHT_PROGBITS`; the ELF class sets the pointer size.

use std::sync::Arc;

use object::read::elf::{FileHeader, SectionHeader, SectionTable};
use object::{FileKind, elf};

use crate::ext::BtfExt;
use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, LibbpfLog, Result};

/// Section names libbpf recognises.
pub const BTF_SECTION: &str = ".BTF";
/// The `.BTF.ext` section: func_info, line_info and CO-RE relocations of a BPF object.
pub const BTF_EXT_SECTION: &str = ".BTF.ext";
/// The `.BTF.base` section: the distilled base a module's `.BTF` is split over.
pub const BTF_BASE_SECTION: &str = ".BTF.base";

/// BTF read from an ELF file.
#[derive(Debug)]
pub struct ElfBtf {
    /// `.BTF`, split over the distilled base when the file has `.BTF.base`, else over the caller's base.
    pub btf: Btf,
    /// Raw bytes of `.BTF.ext`, if present ([`ElfBtf::parse_ext`] parses them).
    pub ext: Option<Vec<u8>>,
}

impl ElfBtf {
    /// Parses the file's `.BTF.ext` ([`BtfExt::parse`]); `None` when it has none. (libbpf 1.7.0's
    /// `btf__parse_elf`, asked for the `btf_ext`, does the same after parsing `.BTF`; when this
    /// fails it still returns the BTF, with no `btf_ext`.)
    pub fn parse_ext(&self) -> Result<Option<BtfExt>> {
        // The parser's messages name `.BTF.ext` themselves.
        self.ext.as_deref().map(BtfExt::parse).transpose()
    }
}

/// Parses the `.BTF.ext` of an ELF image (a BPF object), without its `.BTF`; `None` when the file
/// has no `.BTF.ext`.
pub fn parse_elf_ext(data: &[u8]) -> Result<Option<BtfExt>> {
    elf_sections(data)?.ext.map(BtfExt::parse).transpose()
}

/// The BTF-related sections of an ELF file, borrowed from its bytes.
#[derive(Debug, Default)]
pub struct ElfSections<'a> {
    /// The `.BTF` section's bytes, if present.
    pub btf: Option<&'a [u8]>,
    /// The `.BTF.ext` section's bytes, if present.
    pub ext: Option<&'a [u8]>,
    /// The `.BTF.base` section's bytes (a distilled base), if present.
    pub base: Option<&'a [u8]>,
    /// Pointer size from the ELF class.
    pub pointer_size: u32,
}

/// A malformed ELF file: libbpf warns about every such failure.
fn format_err(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::ElfFormat, what.to_string()).logged(LibbpfLog::Warn)
}

/// An ELF image's header, byte order and section table; a malformed one is libbpf's
/// `LIBBPF_ERRNO__FORMAT`, logged as a warning. Every ELF reader of the crate starts here.
pub(crate) fn open<Elf: FileHeader>(
    data: &[u8],
) -> Result<(&Elf, Elf::Endian, SectionTable<'_, Elf>)> {
    let header = Elf::parse(data).map_err(|e| format_err(format!("bad ELF header: {e}")))?;
    let endian = header
        .endian()
        .map_err(|e| format_err(format!("bad ELF header: {e}")))?;
    let sections = header
        .sections(endian, data)
        .map_err(|e| format_err(format!("bad section headers: {e}")))?;
    Ok((header, endian, sections))
}

fn scan<'a, Elf: FileHeader>(data: &'a [u8], pointer_size: u32) -> Result<ElfSections<'a>> {
    let (_, endian, sections) = open::<Elf>(data)?;
    let mut found = ElfSections {
        pointer_size,
        ..Default::default()
    };
    for (idx, sh) in sections.iter().enumerate().skip(1) {
        let name = sections
            .section_name(endian, sh)
            .map_err(|e| format_err(format!("section {idx}: bad name: {e}")))?;
        let slot = match name {
            b".BTF" => &mut found.btf,
            b".BTF.ext" => &mut found.ext,
            b".BTF.base" => &mut found.base,
            _ => continue,
        };
        let name = String::from_utf8_lossy(name);
        if sh.sh_type(endian) != elf::SHT_PROGBITS {
            return Err(format_err(format!(
                "section {idx} ({name}) has type {}, not SHT_PROGBITS",
                sh.sh_type(endian)
            )));
        }
        let bytes = sh
            .data(endian, data)
            .map_err(|e| format_err(format!("section {idx} ({name}): data out of bounds: {e}")))?;
        *slot = Some(bytes);
    }
    Ok(found)
}

/// Finds `.BTF`, `.BTF.ext` and `.BTF.base` in an ELF image.
pub fn elf_sections(data: &[u8]) -> Result<ElfSections<'_>> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => scan::<elf::FileHeader32<object::Endianness>>(data, 4),
        Ok(FileKind::Elf64) => scan::<elf::FileHeader64<object::Endianness>>(data, 8),
        _ => Err(format_err("not an ELF file")),
    }
}

/// Parses the BTF of an ELF image (libbpf's `btf_parse_elf`). With `.BTF.base` and no `base`, the
/// result is split over the distilled base; with both, `.BTF` is read over the distilled base and
/// then relocated onto `base` ([`Btf::relocate`]); a failed relocation fails the whole parse with
/// its error (`EINVAL`/`ENOENT`).
pub fn parse_elf(data: &[u8], base: Option<Arc<Btf>>) -> Result<ElfBtf> {
    let secs = elf_sections(data)?;
    let Some(btf_bytes) = secs.btf else {
        return Err(Error::new(ErrorKind::NoBtfSection, "no .BTF section").logged(LibbpfLog::Warn));
    };
    let (parse_base, relocate_onto) = match (secs.base, base) {
        (Some(distilled), base) => (
            Some(Arc::new(
                Btf::from_bytes(distilled).map_err(|e| e.context(BTF_BASE_SECTION))?,
            )),
            base,
        ),
        (None, base) => (base, None),
    };
    let mut btf = match parse_base {
        Some(b) => Btf::from_bytes_split(btf_bytes, b),
        None => Btf::from_bytes(btf_bytes),
    }
    .map_err(|e| e.context(BTF_SECTION))?;
    if let Some(onto) = relocate_onto {
        btf.relocate(onto)
            .map_err(|e| e.context(format!("{BTF_SECTION} over {BTF_BASE_SECTION}")))?;
    }
    btf.explicit_pointer_size.set(secs.pointer_size);
    Ok(ElfBtf {
        btf,
        ext: secs.ext.map(<[u8]>::to_vec),
    })
}

/// The bytes of the section called `name` (the first one), which must be `SHT_PROGBITS`.
fn find_section<'a, Elf: FileHeader>(data: &'a [u8], name: &str) -> Result<Option<&'a [u8]>> {
    let (_, endian, sections) = open::<Elf>(data)?;
    let Some((idx, sh)) = sections
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, sh)| sections.section_name(endian, sh).ok() == Some(name.as_bytes()))
    else {
        return Ok(None);
    };
    if sh.sh_type(endian) != elf::SHT_PROGBITS {
        return Err(format_err(format!(
            "section {idx} ({name}) has type {}, not SHT_PROGBITS",
            sh.sh_type(endian)
        )));
    }
    sh.data(endian, data)
        .map(Some)
        .map_err(|e| format_err(format!("section {idx} ({name}): data out of bounds: {e}")))
}

/// Parses exactly the ELF section `name` as BTF over `base` (a standalone BTF when `None`), with
/// no `.BTF.base` handling: e.g. `.BTF.base` alone, as the proposed `btf__parse_opts` read it.
/// `ENODATA` when there is no such section.
pub fn parse_elf_section(data: &[u8], name: &str, base: Option<Arc<Btf>>) -> Result<Btf> {
    let (bytes, pointer_size) = match FileKind::parse(data) {
        Ok(FileKind::Elf32) => (
            find_section::<elf::FileHeader32<object::Endianness>>(data, name)?,
            4,
        ),
        Ok(FileKind::Elf64) => (
            find_section::<elf::FileHeader64<object::Endianness>>(data, name)?,
            8,
        ),
        _ => return Err(format_err("not an ELF file")),
    };
    let Some(bytes) = bytes else {
        return Err(
            Error::new(ErrorKind::NoBtfSection, format!("no {name} section"))
                .logged(LibbpfLog::Warn),
        );
    };
    let btf = match base {
        Some(b) => Btf::from_bytes_split(bytes, b),
        None => Btf::from_bytes(bytes),
    }
    .map_err(|e| e.context(name))?;
    btf.explicit_pointer_size.set(pointer_size);
    Ok(btf)
}
