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

/// The most [`decompress`] ever produces: 1 GiB. The largest kernel modules are tens of MB
/// stripped (Debian's `amdgpu.ko`, the biggest, about 20 MB) and a few hundred MB with their DWARF
/// left in; a `.BTF` section is limited to 4 GiB by its 32-bit header but real ones are at most a
/// few MB (a whole vmlinux: 5.5 MB).
pub const DECOMPRESS_MAX_BYTES: usize = 1 << 30;

/// The most [`decompress`] produces per compressed byte: 64×. Real modules compress 4–6×
/// (`xz -9e`: 5.3–6.1×, `zstd --ultra -22`: 4.7–5.4×, `gzip -9`: 3.9–4.4× over the corpus `.ko`
/// files; raw BTF: 2–5×), so 64 leaves ten times their margin, while a decompression bomb (zstd
/// of zeros: about 32,000×, gzip: 1,000×) stops after 64 bytes per input byte: no input makes us
/// allocate more than 64 times its size (plus the decompressor's own state).
pub const DECOMPRESS_MAX_RATIO: usize = 64;

/// The most memory the xz decoder may use for its dictionary (zstd's default window limit).
const DECODER_MEMORY_MAX: u64 = 128 << 20;

/// How many bytes `compressed_len` compressed bytes may decompress to:
/// `min(DECOMPRESS_MAX_BYTES, DECOMPRESS_MAX_RATIO × compressed_len)`.
pub fn decompress_limit(compressed_len: usize) -> usize {
    compressed_len
        .saturating_mul(DECOMPRESS_MAX_RATIO)
        .min(DECOMPRESS_MAX_BYTES)
}

/// Decompresses xz, zstd or gzip data (a `.ko.xz`, `.ko.zst`, `.ko.gz`); anything else is
/// returned as is, borrowed.
///
/// The data is decompressed as a stream into one buffer that never grows past
/// [`decompress_limit`] of the input's size — `min(1 GiB, 64 × input)`, see
/// [`DECOMPRESS_MAX_BYTES`] and [`DECOMPRESS_MAX_RATIO`]: more fails with
/// [`ErrorKind::ElfFormat`] (libbpf's errno for a file that is not ELF) and a message naming the
/// format, the input size, the limit and the output offset where decompression stopped.
///
/// What of the image is read: BTF needs `.BTF`, `.BTF.ext` and `.BTF.base`, but a module's section
/// header table — the only place that says where those are — is at the end of the file (where
/// `ld -r` puts it), so the whole image is decompressed; keeping only those sections would take
/// a second decompression pass, which the limit makes unnecessary. What the format does allow is
/// used: once the first 64 bytes are out, an ELF header tells where its section header table
/// ends; an image whose table ends beyond the limit is refused at once, and the buffer is
/// allocated once, at that size, instead of growing.
pub fn decompress(data: &[u8]) -> Result<Cow<'_, [u8]>> {
    decompress_capped(data, decompress_limit(data.len()))
}

/// [`decompress`] with an explicit output limit of `limit` bytes.
pub(crate) fn decompress_capped(data: &[u8], limit: usize) -> Result<Cow<'_, [u8]>> {
    let (format, reader): (&str, Box<dyn Read + '_>) = if data.starts_with(XZ_MAGIC) {
        // The decoder's dictionary, whose size the stream declares, at most 128 MiB (`xz -9`
        // needs 65 MiB), as zstd's window is by default (`window_log_max` 27).
        let stream = liblzma::stream::Stream::new_stream_decoder(DECODER_MEMORY_MAX, 0)
            .map_err(|e| Error::new(ErrorKind::ElfFormat, format!("cannot decompress xz: {e}")))?;
        (
            "xz",
            Box::new(liblzma::read::XzDecoder::new_stream(data, stream)),
        )
    } else if data.starts_with(ZSTD_MAGIC) {
        let decoder = zstd::stream::read::Decoder::new(data).map_err(|e| {
            Error::new(ErrorKind::ElfFormat, format!("cannot decompress zstd: {e}"))
        })?;
        ("zstd", Box::new(decoder))
    } else if data.starts_with(GZIP_MAGIC) {
        ("gzip", Box::new(flate2::read::MultiGzDecoder::new(data)))
    } else {
        return Ok(Cow::Borrowed(data));
    };
    read_capped(reader, format, data.len(), limit).map(Cow::Owned)
}

/// Bytes an ELF image needs up to the end of its section header table, from its first 64 bytes
/// (`None` if `head` is not an ELF header).
fn elf_extent(head: &[u8]) -> Option<u64> {
    if head.len() < 64 || head[..4] != *b"\x7fELF" {
        return None;
    }
    let big = match head[5] {
        1 => false,
        2 => true,
        _ => return None,
    };
    let uint = |at: usize, len: usize| {
        let b = &head[at..at + len];
        b.iter().enumerate().fold(0u64, |v, (i, &byte)| {
            let shift = if big { (len - 1 - i) * 8 } else { i * 8 };
            v | u64::from(byte) << shift
        })
    };
    let (shoff, shentsize, shnum) = match head[4] {
        1 => (uint(0x20, 4), uint(0x2e, 2), uint(0x30, 2)),
        2 => (uint(0x28, 8), uint(0x3a, 2), uint(0x3c, 2)),
        _ => return None,
    };
    // With more than 0xff00 sections `e_shnum` is 0 and section 0 holds the count: at least one.
    Some(shoff.saturating_add(shentsize * shnum.max(1)))
}

/// Reads `reader` to its end into a buffer of at most `limit` bytes.
fn read_capped(
    mut reader: impl Read,
    format: &str,
    input_len: usize,
    limit: usize,
) -> Result<Vec<u8>> {
    let too_much = |what: String| {
        Error::new(
            ErrorKind::ElfFormat,
            format!(
                "{format} data ({input_len} bytes) {what}: the limit for it is {limit} bytes, \
                 min({DECOMPRESS_MAX_RATIO} × its size, {DECOMPRESS_MAX_BYTES}); no kernel module \
                 is that compressible, so decompression stopped there"
            ),
        )
        .logged(LibbpfLog::Warn)
    };
    let failed = |e: std::io::Error| {
        Error::new(
            ErrorKind::ElfFormat,
            format!("cannot decompress {format}: {e}"),
        )
    };
    let alloc_failed = |want: usize| {
        Error::new(
            ErrorKind::Os(12),
            format!("{format} data: cannot allocate {want} bytes to decompress into"),
        )
    };
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    // What an ELF header announces: the end of its section header table.
    let mut announced = None;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(failed(e)),
        };
        let len = out.len() + n;
        if announced.is_none() && len >= 64 {
            let mut head = [0u8; 64];
            let have = out.len().min(64);
            head[..have].copy_from_slice(&out[..have]);
            head[have..].copy_from_slice(&chunk[..64 - have]);
            let end = elf_extent(&head).unwrap_or(0);
            if end > limit as u64 {
                return Err(too_much(format!(
                    "is an ELF image whose section header table ends at byte {end}"
                )));
            }
            announced = Some(end as usize);
        }
        if len > limit {
            return Err(too_much(format!("decompresses past byte {limit}")));
        }
        if len > out.capacity() {
            // One allocation of the size an ELF header announced (the image may still be
            // longer); else, and past it, doubling — never past the limit.
            let want = out
                .capacity()
                .saturating_mul(2)
                .max(announced.unwrap_or(0))
                .max(len)
                .min(limit);
            out.try_reserve_exact(want - out.len())
                .map_err(|_| alloc_failed(want))?;
        }
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
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
