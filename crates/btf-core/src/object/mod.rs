//! BPF object files (the ELF `.o` clang writes for `-target bpf`/`bpfeb`) as libbpf sees them
//! before loading: the code sections, the functions in them — programs and subprograms, named by
//! their symbols as libbpf names them — the object's `.BTF` and its `.BTF.ext`.
//!
//! [`insn`] decodes instructions in either byte order; [`reach`] finds which instructions of a
//! function can run once CO-RE values are known; [`BpfObject::relocate_core`] applies the CO-RE
//! relocations against a target kernel as libbpf would and judges each ([`Verdict`]).

pub mod insn;
pub mod reach;
mod verdict;

use object::read::elf::{FileHeader, SectionHeader, Sym};
use object::{FileKind, elf};

use crate::ext::BtfExt;
use crate::model::btf::{Btf, Endianness};
use crate::model::error::{Error, ErrorKind, LibbpfLog, Result};
use crate::read::elf::{BTF_EXT_SECTION, BTF_SECTION};

pub use insn::{INSN_SIZE, Insn};
pub use verdict::Verdict;

/// An executable ELF section: instructions of one or more functions.
#[derive(Clone, Debug)]
pub struct CodeSection {
    /// ELF section index.
    pub elf_index: usize,
    /// Section name, e.g. `kprobe/do_unlinkat` or `.text`; `.BTF.ext` refers to sections by it.
    pub name: String,
    /// Where the section's bytes start in the file.
    pub file_offset: u64,
    /// The section's bytes: whole instructions in the object's byte order.
    pub bytes: Vec<u8>,
}

/// A function symbol in a code section: a program, or a subprogram (usually in `.text`).
#[derive(Clone, Debug)]
pub struct Function {
    /// The symbol's name, which libbpf uses as the program's name.
    pub name: String,
    /// Index into [`BpfObject::sections`].
    pub section: usize,
    /// Index of its first instruction within the section.
    pub first_insn: usize,
    /// Number of instructions.
    pub insn_count: usize,
    /// Whether the symbol is global (`STB_GLOBAL`/`STB_WEAK`) rather than static.
    pub global: bool,
}

impl Function {
    /// Whether section-relative instruction `insn` belongs to this function.
    pub fn contains(&self, insn: usize) -> bool {
        insn >= self.first_insn && insn - self.first_insn < self.insn_count
    }
}

/// A BPF object file, read.
#[derive(Debug)]
pub struct BpfObject {
    /// The object's `.BTF` (pointer size set from the ELF class).
    pub btf: Btf,
    /// The object's `.BTF.ext`, if present.
    pub ext: Option<BtfExt>,
    /// Byte order of the ELF file and of its instructions.
    pub endianness: Endianness,
    /// Executable sections, in ELF order.
    pub sections: Vec<CodeSection>,
    /// Function symbols, ordered by section, then by first instruction.
    pub functions: Vec<Function>,
}

fn format_err(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::ElfFormat, what.to_string()).logged(LibbpfLog::Warn)
}

impl BpfObject {
    /// Reads a BPF object from its bytes (any alignment: `object` is built with `unaligned`).
    pub fn parse(data: &[u8]) -> Result<BpfObject> {
        match FileKind::parse(data) {
            Ok(FileKind::Elf64) => read::<elf::FileHeader64<object::Endianness>>(data),
            Ok(FileKind::Elf32) => read::<elf::FileHeader32<object::Endianness>>(data),
            _ => Err(format_err("not an ELF file")),
        }
    }

    /// Reads the BPF object file at `path`.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<BpfObject> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorKind::Os(e.raw_os_error().unwrap_or(5)),
                format!("{}: {e}", path.display()),
            )
        })?;
        Self::parse(&data).map_err(|e| e.context(path.display()))
    }

    /// The code section called `name`.
    pub fn section_by_name(&self, name: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.name == name)
    }

    /// The function holding instruction `insn` of section `section` (libbpf's
    /// `find_prog_by_sec_insn`); `None` for code outside any function symbol.
    pub fn function_at(&self, section: usize, insn: usize) -> Option<&Function> {
        self.functions
            .iter()
            .find(|f| f.section == section && f.contains(insn))
    }

    /// The instructions of `function`, decoded.
    pub fn insns(&self, function: &Function) -> Vec<Insn> {
        let bytes = &self.sections[function.section].bytes;
        let start = function.first_insn * INSN_SIZE;
        let end = start + function.insn_count * INSN_SIZE;
        insn::decode_all(bytes.get(start..end).unwrap_or(&[]), self.endianness)
    }
}

fn read<Elf: FileHeader<Endian = object::Endianness>>(data: &[u8]) -> Result<BpfObject> {
    let (header, endian, sections) = crate::read::elf::open::<Elf>(data)?;
    let endianness = if header.is_big_endian() {
        Endianness::Big
    } else {
        Endianness::Little
    };

    let mut code = Vec::new();
    for (idx, sh) in sections.iter().enumerate().skip(1) {
        let flags: u64 = sh.sh_flags(endian).into();
        if sh.sh_type(endian) != elf::SHT_PROGBITS || flags & u64::from(elf::SHF_EXECINSTR) == 0 {
            continue;
        }
        let name = sections
            .section_name(endian, sh)
            .map_err(|e| format_err(format!("section {idx}: bad name: {e}")))?;
        let name = String::from_utf8_lossy(name).into_owned();
        let bytes = sh
            .data(endian, data)
            .map_err(|e| format_err(format!("section {idx} ({name}): data out of bounds: {e}")))?;
        if bytes.len() % INSN_SIZE != 0 {
            return Err(format_err(format!(
                "section {idx} ({name}): size {} is not a multiple of {INSN_SIZE}",
                bytes.len()
            )));
        }
        code.push(CodeSection {
            elf_index: idx,
            file_offset: sh.sh_offset(endian).into(),
            name,
            bytes: bytes.to_vec(),
        });
    }

    let symbols = sections
        .symbols(endian, data, elf::SHT_SYMTAB)
        .map_err(|e| format_err(format!("bad symbol table: {e}")))?;
    let mut functions = Vec::new();
    for (sym_idx, sym) in symbols.iter().enumerate() {
        if sym.st_type() != elf::STT_FUNC {
            continue;
        }
        let shndx = usize::from(sym.st_shndx(endian));
        let Some(section) = code.iter().position(|s| s.elf_index == shndx) else {
            continue;
        };
        let name = symbols
            .symbol_name(endian, sym)
            .map_err(|e| format_err(format!("symbol {sym_idx}: bad name: {e}")))?;
        let value: u64 = sym.st_value(endian).into();
        let size: u64 = sym.st_size(endian).into();
        let len = code[section].bytes.len() as u64;
        if value % INSN_SIZE as u64 != 0
            || size % INSN_SIZE as u64 != 0
            || value.checked_add(size).is_none_or(|end| end > len)
        {
            return Err(format_err(format!(
                "symbol {sym_idx} ({}): bad offset {value} or size {size} in section {}",
                String::from_utf8_lossy(name),
                code[section].name
            )));
        }
        functions.push(Function {
            name: String::from_utf8_lossy(name).into_owned(),
            section,
            first_insn: (value / INSN_SIZE as u64) as usize,
            insn_count: (size / INSN_SIZE as u64) as usize,
            global: sym.st_bind() != elf::STB_LOCAL,
        });
    }
    functions.sort_by_key(|f| (f.section, f.first_insn));

    // `.BTF` and `.BTF.ext` as every other ELF reader of the crate finds them.
    let btf_sections = crate::read::elf::elf_sections(data)?;
    let btf_bytes = btf_sections.btf.ok_or_else(|| {
        Error::new(ErrorKind::NoBtfSection, "no .BTF section").logged(LibbpfLog::Warn)
    })?;
    let ext = btf_sections.ext;
    let pointer_size = btf_sections.pointer_size;
    let btf = Btf::from_bytes(btf_bytes).map_err(|e| e.context(BTF_SECTION))?;
    btf.set_pointer_size(pointer_size)
        .map_err(|e| e.context(BTF_SECTION))?;
    // libbpf warns about a malformed `.BTF.ext` and loads on without it; a tool asking about CO-RE
    // wants to know, so it is an error here.
    let ext = ext
        .map(BtfExt::parse)
        .transpose()
        .map_err(|e| e.context(BTF_EXT_SECTION))?;
    Ok(BpfObject {
        btf,
        ext,
        endianness,
        sections: code,
        functions,
    })
}
