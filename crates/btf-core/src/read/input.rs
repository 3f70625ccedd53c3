//! Getting BTF bytes from files: raw BTF, ELF, and compressed kernel modules (`.ko.xz`, `.ko.zst`,
//! `.ko.gz`, as distributions ship them), with libbpf's `btf__parse*` entry points on top.
//!
//! Raw BTF in native byte order is parsed in place: from a read-only mapping when the file cannot
//! change under us (sysfs kernel BTF, read-only filesystems, sealed memfds — see
//! [`crate::mem::backing`]), else from the one buffer the file was read into. Foreign-order BTF
//! and ELF files are copied out of those bytes.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::ext::BtfExt;
use crate::mem::backing::Backing;
use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, LibbpfLog, Result};
use crate::model::raw::BTF_MAGIC;
use crate::read::elf::{self, ElfBtf};
use crate::read::parse::{Input, parse_input};

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

/// The bytes of the file at `path`: mapped when it cannot change, else read whole.
fn load(path: &Path) -> Result<Arc<Backing>> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
    let size = file.metadata().map_or(0, |m| m.len());
    Backing::load(&mut file, size)
        .map(Arc::new)
        .map_err(|e| Error::io(path.display(), e))
}

/// The whole file at `path`, read (for ELF files, whose sections are copied out anyway).
fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path.display(), e))
}

/// `ShortRead` when `data` cannot even hold the BTF magic.
fn check_magic_room(path: &Path, data: &[u8]) -> Result<()> {
    if data.len() < 2 {
        return Err(Error::new(
            ErrorKind::ShortRead,
            format!("{}: shorter than the BTF magic", path.display()),
        ));
    }
    Ok(())
}

fn is_btf_magic(data: &[u8]) -> bool {
    data.len() >= 2
        && (data[..2] == BTF_MAGIC.to_le_bytes() || data[..2] == BTF_MAGIC.to_be_bytes())
}

impl Btf {
    /// Reads a raw BTF file (`btf__parse_raw` / `btf__parse_raw_split`): `ENOTBTF`-style
    /// [`ErrorKind::NotBtf`] when the file does not start with the BTF magic.
    /// Native-order data is used in place, as by [`Btf::open`].
    pub fn parse_raw_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<Btf> {
        let path = path.as_ref();
        let backing = load(path)?;
        check_magic_room(path, backing.bytes())?;
        if !is_btf_magic(backing.bytes()) {
            return Err(Error::new(
                ErrorKind::NotBtf,
                format!("{}: not raw BTF (no BTF magic)", path.display()),
            ));
        }
        parse_input(Input::Backed(backing), base).map_err(|e| e.context(path.display()))
    }

    /// Reads BTF from an ELF file, compressed or not (`btf__parse_elf` / `btf__parse_elf_split`).
    pub fn parse_elf_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<ElfBtf> {
        let path = path.as_ref();
        // libbpf warns when it cannot open an ELF file (but not a raw BTF file).
        let data = read(path).map_err(|e| e.logged(LibbpfLog::Warn))?;
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
    /// covers `/sys/kernel/btf/*`, `.BTF` dumps, vmlinux and (compressed) modules. Raw BTF is
    /// used in place as described at [`Btf::open`].
    pub fn parse_file(path: impl AsRef<Path>, base: Option<Arc<Btf>>) -> Result<Btf> {
        let path = path.as_ref();
        let backing = load(path)?;
        check_magic_room(path, backing.bytes())?;
        let parsed = if is_btf_magic(backing.bytes()) {
            parse_input(Input::Backed(backing), base)
        } else {
            Self::parse_elf_bytes(backing.bytes(), base).map(|e| e.btf)
        };
        parsed.map_err(|e| e.context(path.display()))
    }

    /// [`Btf::parse_file`] that also reads an ELF file's `.BTF.ext`, as `btf__parse` does when
    /// given a `btf_ext` to fill: `None` for raw BTF and for an ELF file without `.BTF.ext`, else
    /// the outcome of [`BtfExt::parse`]. A malformed `.BTF.ext` does not fail the BTF: libbpf
    /// 1.7.0 then returns the BTF and no `btf_ext` (with `errno` set by `btf_ext__new`).
    #[allow(clippy::type_complexity)]
    pub fn parse_file_with_ext(
        path: impl AsRef<Path>,
        base: Option<Arc<Btf>>,
    ) -> Result<(Btf, Option<Result<BtfExt>>)> {
        let path = path.as_ref();
        let backing = load(path)?;
        check_magic_room(path, backing.bytes())?;
        let parsed = if is_btf_magic(backing.bytes()) {
            parse_input(Input::Backed(backing), base).map(|btf| (btf, None))
        } else {
            Self::parse_elf_bytes(backing.bytes(), base).map(|elf| {
                let ext = elf.parse_ext().transpose();
                (elf.btf, ext)
            })
        };
        parsed.map_err(|e| e.context(path.display()))
    }

    /// Opens a BTF file — raw BTF (`/sys/kernel/btf/vmlinux`, a `.btf` dump) or an ELF file —
    /// as standalone BTF, without copying what it need not copy:
    ///
    /// - **mapped** when the file's contents cannot change while mapped: sysfs kernel BTF (as
    ///   libbpf 1.7 maps it), files on read-only filesystems (squashfs, EROFS, ISO 9660, cramfs,
    ///   romfs) and memfds sealed with `F_SEAL_SHRINK | F_SEAL_WRITE`. Types and strings are read
    ///   in place from a private read-only mapping;
    /// - **read** into one word-aligned buffer, parsed in place, for every other file: a regular
    ///   file can be truncated by another process at any time, which would raise SIGBUS in a
    ///   mapping, so it is never mapped (a truncation during the read is a parse error instead);
    /// - **copied** out of those bytes when it must be: foreign byte order, ELF.
    ///
    /// Lifetime and safety: the returned `Btf` owns the mapping or buffer (shared through an
    /// `Arc` with clones and with splits over it), so there is no lifetime to manage and no
    /// `unsafe` for the caller; the mapping is released when the last owner is dropped. The first
    /// modification of a section copies it (copy on write): a mapped file is never written, and
    /// [`Btf::is_mapped`] tells whether the object still points into one.
    pub fn open(path: impl AsRef<Path>) -> Result<Btf> {
        Self::parse_file(path, None)
    }

    /// [`Btf::open`] for split BTF over `base` (e.g. `/sys/kernel/btf/<module>` over vmlinux).
    pub fn open_split(path: impl AsRef<Path>, base: Arc<Btf>) -> Result<Btf> {
        Self::parse_file(path, Some(base))
    }

    /// Whether this object's types, strings or original bytes still point into a file mapping
    /// (see [`Btf::open`]); false once every section was modified, and for objects parsed from
    /// bytes, read from regular files or built in memory.
    pub fn is_mapped(&self) -> bool {
        [
            self.types.backing(),
            self.strings.backing(),
            self.original.as_ref().and_then(|o| o.backing()),
        ]
        .into_iter()
        .flatten()
        .any(|b| b.is_mapped())
    }
}
