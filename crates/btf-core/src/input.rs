//! Getting BTF bytes from files: raw BTF, ELF, and compressed kernel modules (`.ko.xz`, `.ko.zst`,
//! `.ko.gz`, as distributions ship them), with libbpf's `btf__parse*` entry points on top.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::btf::Btf;
use crate::elf::{self, ElfBtf};
use crate::error::{Error, ErrorKind, Result};
use crate::raw::BTF_MAGIC;

const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Decompresses xz, zstd or gzip data; anything else is returned as is.
pub fn decompress(data: &[u8]) -> Result<Cow<'_, [u8]>> {
    let mut out = Vec::new();
    let res = if data.starts_with(XZ_MAGIC) {
        liblzma::read::XzDecoder::new(data).read_to_end(&mut out)
    } else if data.starts_with(ZSTD_MAGIC) {
        zstd::stream::read::Decoder::new(data).and_then(|mut d| d.read_to_end(&mut out))
    } else if data.starts_with(GZIP_MAGIC) {
        flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out)
    } else {
        return Ok(Cow::Borrowed(data));
    };
    res.map_err(|e| Error::new(ErrorKind::ElfFormat, format!("cannot decompress: {e}")))?;
    Ok(Cow::Owned(out))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path.display(), e))
}

fn is_btf_magic(data: &[u8]) -> bool {
    data.len() >= 2
        && (data[..2] == BTF_MAGIC.to_le_bytes() || data[..2] == BTF_MAGIC.to_be_bytes())
}

impl Btf {
    /// Reads a raw BTF file (`btf__parse_raw` / `btf__parse_raw_split`): `ENOTBTF`-style
    /// [`ErrorKind::NotBtf`] when the file does not start with the BTF magic.
    pub fn parse_raw_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<Btf> {
        let path = path.as_ref();
        let data = read(path)?;
        if data.len() < 2 {
            return Err(Error::new(
                ErrorKind::ShortRead,
                format!("{}: shorter than the BTF magic", path.display()),
            ));
        }
        if !is_btf_magic(&data) {
            return Err(Error::new(
                ErrorKind::NotBtf,
                format!("{}: not raw BTF (no BTF magic)", path.display()),
            ));
        }
        crate::parse::parse(&data, base).map_err(|e| e.context(path.display()))
    }

    /// Reads BTF from an ELF file, compressed or not (`btf__parse_elf` / `btf__parse_elf_split`).
    pub fn parse_elf_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<ElfBtf> {
        let path = path.as_ref();
        let data = read(path)?;
        Self::parse_elf_bytes(&data, base).map_err(|e| e.context(path.display()))
    }

    /// Reads BTF from ELF bytes, decompressing xz/zstd/gzip first.
    pub fn parse_elf_bytes(data: &[u8], base: Option<Arc<Btf>>) -> Result<ElfBtf> {
        elf::parse_elf(&decompress(data)?, base)
    }

    /// Reads exactly the ELF section `section` of a file, compressed or not, as BTF over `base`
    /// ([`elf::parse_elf_section`]: no `.BTF.base` handling).
    pub fn parse_elf_section_file(
        path: impl AsRef<Path>,
        section: &str,
        base: Option<Arc<Btf>>,
    ) -> Result<Btf> {
        let path = path.as_ref();
        let data = read(path)?;
        elf::parse_elf_section(&decompress(&data)?, section, base)
            .map_err(|e| e.context(path.display()))
    }

    /// Reads raw BTF or, failing the magic check, ELF (`btf__parse` / `btf__parse_split`), which
    /// covers `/sys/kernel/btf/*`, `.BTF` dumps, vmlinux and (compressed) modules.
    pub fn parse_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<Btf> {
        let path = path.as_ref();
        let data = read(path)?;
        if data.len() < 2 {
            return Err(Error::new(
                ErrorKind::ShortRead,
                format!("{}: shorter than the BTF magic", path.display()),
            ));
        }
        let parsed = if is_btf_magic(&data) {
            crate::parse::parse(&data, base)
        } else {
            Self::parse_elf_bytes(&data, base).map(|e| e.btf)
        };
        parsed.map_err(|e| e.context(path.display()))
    }
}
