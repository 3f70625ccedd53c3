//! Decompression bombs (issue 12, defect 1): a small `.ko.zst`/`.ko.xz`/`.ko.gz` that expands to
//! gigabytes must fail with the limit named, having allocated a bounded multiple of its size —
//! measured here with a counting global allocator (Rust heap) and the process's peak RSS (which
//! also sees the C decoders' memory).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use btf_core::{Btf, ErrorKind};

/// Counts live heap bytes and their peak since the last [`reset_peak`].
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as if old and new blocks were both live for a moment.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap growth and peak RSS growth (bytes; RSS `None` where `/proc/self/clear_refs` cannot
/// reset the high-water mark) while `f` runs.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, Option<u64>) {
    let rss_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status_kb("VmRSS:");
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    let out = f();
    let heap = PEAK.load(Ordering::Relaxed) - live;
    let rss = match (rss_reset, rss_before, status_kb("VmHWM:")) {
        (true, Some(before), Some(hwm)) => Some(hwm.saturating_sub(before) * 1024),
        _ => None,
    };
    (out, heap, rss)
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// `frames` copies of one zstd frame of `frame_mib` MiB of zeros.
fn zstd_bomb(frame_mib: usize, frames: usize) -> Vec<u8> {
    let frame = zstd::bulk::compress(&vec![0u8; frame_mib << 20], 19).unwrap();
    frame.repeat(frames)
}

/// `members` copies of one gzip member of `member_mib` MiB of zeros.
fn gzip_bomb(member_mib: usize, members: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; member_mib << 20]).unwrap();
    enc.finish().unwrap().repeat(members)
}

/// One xz stream of `mib` MiB of zeros.
fn xz_bomb(mib: usize) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
}

#[test]
fn decompression_bombs_stop_at_the_limit() {
    let bombs = [
        // 2 GiB of zeros in 256 frames: about as small per byte as the 33 KB file.
        ("zstd", zstd_bomb(8, 256), 2usize << 30),
        ("gzip", gzip_bomb(8, 16), 128 << 20),
        ("xz", xz_bomb(64), 64 << 20),
    ];
    for (format, bomb, expands_to) in bombs {
        let limit = btf_core::decompress_limit(bomb.len());
        assert!(
            limit < expands_to / 8,
            "{format}: the bomb must exceed the limit"
        );
        let (res, heap, rss) = measure(|| Btf::parse_elf_bytes(&bomb, None).map(|_| ()));
        let err = res.expect_err("a bomb is refused");
        eprintln!(
            "{format}: {} bytes expanding to {expands_to}: refused with {} B peak heap, {:?} B \
             peak RSS growth: {err}",
            bomb.len(),
            heap,
            rss
        );
        assert_eq!(err.kind(), ErrorKind::ElfFormat, "{format}: {err}");
        let msg = err.to_string();
        assert!(
            msg.contains(format) && msg.contains(&format!("limit for it is {limit} bytes")),
            "{format}: the message names format and limit: {msg}"
        );
        assert!(
            msg.contains(&bomb.len().to_string()),
            "{format}: the message names the input size: {msg}"
        );
        // The output buffer (at most the limit) while it is reallocated, the read chunk and the
        // decoder's buffers.
        assert!(
            heap <= 2 * limit + (1 << 20),
            "{format}: peak heap {heap} for a limit of {limit}"
        );
        if let Some(rss) = rss {
            assert!(
                rss <= 2 * limit as u64 + (32 << 20),
                "{format}: peak RSS growth {rss} for a limit of {limit}"
            );
        }
    }
}

/// `btf__parse_split` and friends read the file through the same path.
#[test]
fn decompression_bomb_file() {
    let bomb = zstd_bomb(8, 64);
    let path = std::env::temp_dir().join(format!("libbtf-bomb-{}.ko.zst", std::process::id()));
    std::fs::write(&path, &bomb).unwrap();
    let (res, heap, _) = measure(|| Btf::parse_file(&path, None).map(|_| ()));
    std::fs::remove_file(&path).unwrap();
    let err = res.expect_err("a bomb is refused");
    assert!(err.to_string().contains("limit"), "{err}");
    let limit = btf_core::decompress_limit(bomb.len());
    assert!(
        heap <= 2 * limit + 2 * bomb.len() + (1 << 20),
        "peak heap {heap}"
    );
}

/// An ELF header whose section header table lies beyond the limit is refused after its first
/// bytes, before anything large is allocated.
#[test]
fn elf_header_beyond_the_limit() {
    let mut image = vec![0u8; 4 << 20];
    image[..4].copy_from_slice(b"\x7fELF");
    image[4] = 2; // ELFCLASS64
    image[5] = 1; // little-endian
    image[0x28..0x30].copy_from_slice(&(1u64 << 40).to_le_bytes()); // e_shoff
    image[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    image[0x3c..0x3e].copy_from_slice(&10u16.to_le_bytes()); // e_shnum
    let packed = zstd::bulk::compress(&image, 19).unwrap();
    let (res, heap, _) = measure(|| btf_core::decompress(&packed).map(|d| d.len()));
    let err = res.expect_err("refused");
    assert!(
        err.to_string()
            .contains("section header table ends at byte 1099511628416"),
        "{err}"
    );
    assert!(heap < 1 << 20, "peak heap {heap}");
}

/// Real modules keep working: the corpus `.ko` files compressed at the highest levels of each
/// format parse as the uncompressed files do.
#[test]
fn compressed_modules_still_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/ko");
    let Ok(builds) = std::fs::read_dir(&dir) else {
        eprintln!("SKIP compressed_modules_still_parse: no {}", dir.display());
        return;
    };
    let mut seen = 0;
    for build in builds {
        let build = build.unwrap().path();
        let ver = build.file_name().unwrap().to_str().unwrap().to_owned();
        let vmlinux = dir.join(format!("../vmlinux/{ver}.btf"));
        let base = std::sync::Arc::new(Btf::parse_file(&vmlinux, None).unwrap());
        for ko in std::fs::read_dir(&build).unwrap() {
            let path = ko.unwrap().path();
            let plain = std::fs::read(&path).unwrap();
            let want = Btf::parse_elf_bytes(&plain, Some(base.clone())).unwrap();
            let mut xz =
                liblzma::write::XzEncoder::new(Vec::new(), 9 | liblzma::stream::PRESET_EXTREME);
            xz.write_all(&plain).unwrap();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&plain).unwrap();
            for (format, packed) in [
                ("xz", xz.finish().unwrap()),
                ("zstd", zstd::bulk::compress(&plain, 19).unwrap()),
                ("gzip", gz.finish().unwrap()),
            ] {
                let got = Btf::parse_elf_bytes(&packed, Some(base.clone()))
                    .unwrap_or_else(|e| panic!("{} as {format}: {e}", path.display()));
                assert_eq!(got.btf.raw_data(), want.btf.raw_data());
                seen += 1;
            }
        }
    }
    eprintln!("{seen} compressed modules parsed");
}
