//! What parsed BTF points into when it was not copied: a read-only mapping of a file that cannot
//! change under us, or a word-aligned heap buffer the file was read into with one `read`.
//!
//! Which files are mapped is a safety decision, not a speed one. A mapped file that another
//! process truncates raises SIGBUS on the next access, and one that is rewritten changes bytes
//! that were already validated; a library must survive both. So only files whose contents the
//! kernel guarantees are mapped:
//!
//! - sysfs (`/sys/kernel/btf/*`): kernel BTF, fixed for the life of the kernel or module (the
//!   kernel allows only private read-only mappings of it, which is what we make);
//! - files on filesystems that cannot be written at all: squashfs, EROFS, ISO 9660, cramfs, romfs;
//! - memfds sealed against shrinking and writing (`F_SEAL_SHRINK | F_SEAL_WRITE`).
//!
//! Every other file (a regular file on ext4, tmpfs, NFS, …) is read into a heap buffer: a
//! concurrent truncation then gives a short read and a parse error, never a signal. The immutable
//! attribute (`chattr +i`) is not trusted: root can clear it while the mapping lives.

use std::fs::File;
use std::io::{self, Read};
use std::marker::PhantomData;
use std::os::fd::AsRawFd;
use std::sync::Arc;

/// Bytes a parsed `Btf` may point into.
#[derive(Debug)]
pub(crate) enum Backing {
    /// A private read-only mapping of a file that cannot change (see the module docs); `kernel`
    /// when the file is on sysfs, i.e. the kernel's own BTF.
    Mapped { map: memmap2::Mmap, kernel: bool },
    /// A file read into 4-byte-aligned memory: `len` bytes at the start of `words`.
    Heap { words: Box<[u32]>, len: usize },
    /// A large file read into anonymous memory mapped for it, its pages faulted in with one call
    /// (`MAP_POPULATE`) rather than one fault per page as the read first touches them: `len`
    /// bytes at the start. Anonymous memory cannot be truncated under us.
    Anon { map: memmap2::MmapMut, len: usize },
}

const SYSFS_MAGIC: i64 = 0x6265_6572;

/// Files at least this large are read into their own populated mapping (see [`Backing::Anon`]).
const ANON_MIN_BYTES: u64 = 1 << 20;

/// Filesystem magic numbers (`statfs.f_type`) whose files cannot change under a mapping.
const IMMUTABLE_FILESYSTEMS: [i64; 6] = [
    SYSFS_MAGIC,
    0x7371_7368, // squashfs
    0xe0f5_e1e2, // EROFS
    0x9660,      // ISO 9660
    0x28cd_3d45, // cramfs
    0x7275,      // romfs
];

/// What a file's filesystem and seals guarantee about its contents.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Contents {
    /// May change at any time: never mapped.
    Changeable,
    /// Cannot change while mapped.
    Fixed,
    /// Cannot change, and is the kernel's own (sysfs).
    Kernel,
}

fn contents(file: &File) -> Contents {
    let fd = file.as_raw_fd();
    // SAFETY: `statfs` is plain old data; `fstatfs` fills it for a valid fd or fails.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open for the duration of the call and `fs` is writable.
    if unsafe { libc::fstatfs(fd, &mut fs) } == 0 {
        let magic = fs.f_type as i64;
        if magic == SYSFS_MAGIC {
            return Contents::Kernel;
        }
        if IMMUTABLE_FILESYSTEMS.contains(&magic) {
            return Contents::Fixed;
        }
    }
    // SAFETY: F_GET_SEALS takes no argument; on a file that is not a memfd it fails with EINVAL.
    let seals = unsafe { libc::fcntl(fd, libc::F_GET_SEALS) };
    let needed = libc::F_SEAL_SHRINK | libc::F_SEAL_WRITE;
    if seals >= 0 && seals & needed == needed {
        Contents::Fixed
    } else {
        Contents::Changeable
    }
}

impl Backing {
    /// The bytes of `file` (`size` bytes long by `fstat`): mapped when its contents cannot
    /// change and the kernel lets us map it, else read. `size` only sizes the first read: the
    /// file is read to its end, however long that turns out to be.
    pub(crate) fn load(file: &mut File, size: u64) -> io::Result<Backing> {
        let contents = if size > 0 {
            contents(file)
        } else {
            Contents::Changeable
        };
        if contents != Contents::Changeable {
            let len =
                usize::try_from(size).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
            // SAFETY: the contents of `file` cannot change or shrink while mapped (checked just
            // above), so the mapping stays valid and never faults; it is private and read-only.
            let mapped = unsafe {
                memmap2::MmapOptions::new()
                    .len(len)
                    .map_copy_read_only(&*file)
            };
            // Sysfs files other than vmlinux (module BTF) refuse mmap: read those.
            if let Ok(map) = mapped {
                let kernel = contents == Contents::Kernel;
                return Ok(Backing::Mapped { map, kernel });
            }
        }
        if size >= ANON_MIN_BYTES {
            if let Some(anon) = Self::read_anon(file, size)? {
                return Ok(anon);
            }
        }
        Self::read(file, size)
    }

    /// Reads a file of `size` bytes into populated anonymous memory; `None` when it turns out
    /// longer than `size` (it grew: the heap read handles any length) or the mapping fails.
    fn read_anon(file: &mut File, size: u64) -> io::Result<Option<Backing>> {
        let Ok(cap) = usize::try_from(size.saturating_add(1)) else {
            return Ok(None);
        };
        let Ok(mut map) = memmap2::MmapOptions::new().len(cap).populate().map_anon() else {
            return Ok(None);
        };
        let len = fill(file, &mut map)?;
        if len == cap {
            return Ok(None);
        }
        Ok(Some(Backing::Anon { map, len }))
    }

    /// Reads `file` to its end into 4-byte-aligned memory.
    fn read(file: &mut File, size: u64) -> io::Result<Backing> {
        // One byte more than expected, so a file of exactly `size` bytes ends in one read.
        let mut cap = usize::try_from(size).unwrap_or(0).saturating_add(1).max(64);
        let mut words = vec![0u32; cap.div_ceil(4)];
        let mut len = 0;
        loop {
            len += fill(file, &mut bytes_of_mut(&mut words)[len..cap])?;
            if len < cap {
                break;
            }
            cap = cap.saturating_mul(2);
            words.resize(cap.div_ceil(4), 0);
        }
        words.truncate(len.div_ceil(4));
        Ok(Backing::Heap {
            words: words.into_boxed_slice(),
            len,
        })
    }

    /// A word-aligned copy of `data`: one allocation and one copy for a whole BTF blob, which
    /// its types and strings then point into.
    pub(crate) fn copy_of(data: &[u8]) -> Backing {
        let mut words = vec![0u32; data.len().div_ceil(4)].into_boxed_slice();
        bytes_of_mut(&mut words)[..data.len()].copy_from_slice(data);
        Backing::Heap {
            words,
            len: data.len(),
        }
    }

    /// All the bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Backing::Mapped { map, .. } => map,
            Backing::Heap { words, len } => &bytes_of(words)[..*len],
            Backing::Anon { map, len } => &map[..*len],
        }
    }

    /// Whether these bytes are a file mapping (rather than heap memory).
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Backing::Mapped { .. })
    }

    /// Whether these bytes are a mapping of the kernel's own BTF: sysfs lets only vmlinux BTF
    /// be mapped (`/sys/kernel/btf/vmlinux`), which the kernel verified when it booted.
    pub(crate) fn is_kernel_btf(&self) -> bool {
        matches!(self, Backing::Mapped { kernel: true, .. })
    }
}

/// Reads `file` into `buf` until `buf` is full or the file ends; the bytes read.
fn fill(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(len)
}

/// `bytes` (a whole number of words) as native-order words in a new vector: one allocation and
/// one `memcpy`, where decoding word by word costs a module parse a tenth of its time.
pub(crate) fn words_copied(bytes: &[u8]) -> Vec<u32> {
    let mut words = vec![0u32; bytes.len() / 4];
    bytes_of_mut(&mut words).copy_from_slice(&bytes[..bytes.len() / 4 * 4]);
    words
}

fn bytes_of(words: &[u32]) -> &[u8] {
    // SAFETY: any initialised `u32` memory is valid as bytes; the length covers the same memory.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) }
}

fn bytes_of_mut(words: &mut [u32]) -> &mut [u8] {
    // SAFETY: as `bytes_of`; every byte pattern written through the view is a valid `u32`.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 4) }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u32 {}
}

/// Element types a [`SharedSlice`] may view bytes as: every bit pattern is a valid value.
pub(crate) trait Plain: Copy + sealed::Sealed {}
impl Plain for u8 {}
impl Plain for u32 {}

/// A slice of `T` inside a shared [`Backing`], kept alive by it.
pub(crate) struct SharedSlice<T: Plain> {
    backing: Arc<Backing>,
    ptr: *const T,
    len: usize,
    _t: PhantomData<T>,
}

// SAFETY: the slice is read-only memory owned by an `Arc<Backing>`, which is Send + Sync; `T` is
// a plain integer type.
unsafe impl<T: Plain> Send for SharedSlice<T> {}
// SAFETY: as above: shared references only ever read.
unsafe impl<T: Plain> Sync for SharedSlice<T> {}

impl<T: Plain> SharedSlice<T> {
    /// `count` elements of `T` at byte `start` of `backing`; `None` when out of bounds or not
    /// aligned for `T`.
    pub(crate) fn new(backing: &Arc<Backing>, start: usize, count: usize) -> Option<Self> {
        let bytes = backing.bytes();
        let end = count
            .checked_mul(size_of::<T>())
            .and_then(|n| n.checked_add(start))?;
        let region = bytes.get(start..end)?;
        let ptr = region.as_ptr().cast::<T>();
        ptr.is_aligned().then(|| SharedSlice {
            backing: Arc::clone(backing),
            ptr,
            len: count,
            _t: PhantomData,
        })
    }

    /// The elements.
    pub(crate) fn as_slice(&self) -> &[T] {
        // SAFETY: `new` checked that `len` elements at `ptr` lie inside the backing's bytes and
        // that `ptr` is aligned; the backing is immutable and lives as long as `self` (the Arc).
        // Every bit pattern is a valid `T` (`Plain`).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The backing these elements live in.
    pub(crate) fn backing(&self) -> &Arc<Backing> {
        &self.backing
    }
}

impl<T: Plain> Clone for SharedSlice<T> {
    fn clone(&self) -> Self {
        SharedSlice {
            backing: Arc::clone(&self.backing),
            ptr: self.ptr,
            len: self.len,
            _t: PhantomData,
        }
    }
}

impl<T: Plain> std::fmt::Debug for SharedSlice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSlice")
            .field("len", &self.len)
            .field("mapped", &self.backing.is_mapped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn regular_files_are_read_whole_and_aligned() {
        let dir = std::env::temp_dir().join(format!("btf-backing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let data: Vec<u8> = (0..1001u32).map(|i| (i * 7) as u8).collect();
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&data)
            .unwrap();
        // A wrong size hint (as sysfs gives for some files) still reads everything.
        for hint in [0u64, 10, 1001, 5000] {
            let mut f = File::open(&path).unwrap();
            let b = Backing::load(&mut f, hint).unwrap();
            assert!(!b.is_mapped());
            assert_eq!(b.bytes(), &data[..]);
        }
        let b = Arc::new(Backing::load(&mut File::open(&path).unwrap(), 1001).unwrap());
        let words = SharedSlice::<u32>::new(&b, 4, 10).unwrap();
        assert_eq!(words.as_slice()[0].to_ne_bytes(), data[4..8]);
        assert!(SharedSlice::<u32>::new(&b, 2, 1).is_none(), "unaligned");
        assert!(
            SharedSlice::<u8>::new(&b, 1000, 2).is_none(),
            "out of bounds"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
