//! `Btf::open`: which files are mapped and which are read, that both give the same object, that a
//! modification copies and never writes the file, and that a file changing size under a parse
//! gives an error or a correct result — never a signal (a SIGBUS would kill this test process).

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use btf_core::{Btf, Endianness, Kind};

const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// Raw BTF of about 1 MB: many structs, each with a few members, all named.
fn big_btf() -> Vec<u8> {
    let mut btf = Btf::new_empty();
    let int = btf.add_int("int", 4, 1).unwrap();
    for i in 0..12_000 {
        btf.add_struct(format!("s{i}"), 12).unwrap();
        for m in 0..3 {
            btf.add_field(format!("f{m}"), int, m * 32, 0).unwrap();
        }
    }
    btf.raw_data().into_owned()
}

fn memfd(bytes: &[u8], seal: bool) -> File {
    // SAFETY: a valid C string name and valid flags.
    let fd = unsafe {
        libc::memfd_create(
            c"btf-open-test".as_ptr(),
            libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
        )
    };
    assert!(fd >= 0);
    // SAFETY: a fresh fd nobody else owns.
    let mut f = unsafe { File::from_raw_fd(fd) };
    f.write_all(bytes).unwrap();
    if seal {
        let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
        // SAFETY: F_ADD_SEALS on our own memfd.
        assert_eq!(
            unsafe { libc::fcntl(f.as_raw_fd(), libc::F_ADD_SEALS, seals) },
            0
        );
    }
    f
}

fn fd_path(f: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()))
}

fn temp_file(tag: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("btf-open-{tag}-{}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Same types, strings and raw bytes.
fn assert_same(a: &Btf, b: &Btf) {
    assert_eq!(a.type_cnt(), b.type_cnt());
    assert_eq!(a.strings_section(), b.strings_section());
    for (x, y) in a.types().zip(b.types()) {
        assert_eq!(x.words(), y.words(), "type [{}]", x.id());
    }
    assert_eq!(a.raw_data(), b.raw_data());
}

#[test]
fn sealed_memfds_are_mapped_other_files_are_read_and_all_agree() {
    let bytes = big_btf();
    let copied = Btf::from_bytes(&bytes).unwrap();
    assert!(!copied.is_mapped());

    let sealed = memfd(&bytes, true);
    let mapped = Btf::open(fd_path(&sealed)).unwrap();
    assert!(mapped.is_mapped(), "a sealed memfd is mapped");
    assert_same(&mapped, &copied);

    let unsealed = memfd(&bytes, false);
    let read = Btf::open(fd_path(&unsealed)).unwrap();
    assert!(
        !read.is_mapped(),
        "an unsealed memfd could shrink: read, not mapped"
    );
    assert_same(&read, &copied);

    let path = temp_file("regular", &bytes);
    let read = Btf::open(&path).unwrap();
    assert!(!read.is_mapped(), "a regular file is never mapped");
    assert_same(&read, &copied);
    std::fs::remove_file(&path).unwrap();

    // Foreign byte order is converted, so it is copied even from a sealed memfd.
    let swapped = {
        let b = Btf::from_bytes(&bytes).unwrap();
        let other = match Endianness::native() {
            Endianness::Little => Endianness::Big,
            Endianness::Big => Endianness::Little,
        };
        b.raw_data_in(other).into_owned()
    };
    let sealed_swapped = memfd(&swapped, true);
    let converted = Btf::open(fd_path(&sealed_swapped)).unwrap();
    assert!(!converted.is_mapped());
    assert_eq!(converted.type_cnt(), copied.type_cnt());
}

#[test]
fn modifying_a_mapped_object_copies_and_leaves_the_file_alone() {
    let bytes = big_btf();
    let sealed = memfd(&bytes, true);
    let original = Arc::new(Btf::open(fd_path(&sealed)).unwrap());
    let mut modified = (*original).clone();
    assert!(modified.is_mapped(), "a clone shares the mapping");
    let id = modified.add_int("added", 8, 0).unwrap();
    assert_eq!(id, original.type_cnt());
    modified.set_endianness(Endianness::Big);
    modified.set_endianness(Endianness::native());
    modified.dedup(&Default::default()).unwrap();
    assert!(!modified.is_mapped(), "every section was copied on write");
    assert_eq!(
        modified.find_by_name_kind(b"added", Kind::Int as u32),
        Some(id)
    );
    // The file and the shared original are untouched.
    assert!(original.is_mapped());
    assert_eq!(&*original.raw_data(), &bytes[..]);
    assert_eq!(std::fs::read(fd_path(&sealed)).unwrap(), bytes);
    // A split over the mapped base works, and keeps the mapping alive after the base is dropped.
    let mut split = Btf::new_empty_split(Arc::clone(&original));
    split.add_ptr(id - 1).unwrap();
    drop(original);
    let reparsed = Btf::from_bytes_split(&split.raw_data(), Arc::clone(split.base().unwrap()));
    assert_eq!(reparsed.unwrap().type_cnt(), id + 1);
}

#[test]
fn kernel_btf_is_mapped() {
    let Ok(bytes) = std::fs::read(SYSFS_VMLINUX) else {
        eprintln!("SKIP kernel_btf_is_mapped: {SYSFS_VMLINUX} not readable");
        return;
    };
    let mapped = Btf::open(SYSFS_VMLINUX).unwrap();
    assert!(mapped.is_mapped());
    assert_same(&mapped, &Btf::from_bytes(&bytes).unwrap());
    assert!(
        std::fs::OpenOptions::new()
            .write(true)
            .open(SYSFS_VMLINUX)
            .is_err(),
        "kernel BTF cannot be opened for writing, let alone truncated"
    );
}

/// Another thread truncates, regrows and rewrites the file while it is parsed over and over: each
/// parse fails cleanly or returns the whole object, and nothing raises a signal.
#[test]
fn a_file_changing_size_during_parses_never_raises_a_signal() {
    let bytes = big_btf();
    let full = Btf::from_bytes(&bytes).unwrap();
    let path = temp_file("shrinking", &bytes);
    let stop = AtomicBool::new(false);
    let (mut ok, mut failed) = (0u32, 0u32);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut size = bytes.len() as u64;
            while !stop.load(Ordering::Relaxed) {
                let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                size = (size * 7 + 1013) % bytes.len() as u64;
                f.set_len(size).unwrap();
                std::thread::yield_now();
                std::fs::write(&path, &bytes).unwrap();
            }
        });
        for _ in 0..300 {
            match Btf::open(&path) {
                Ok(btf) => {
                    assert_eq!(btf.type_cnt(), full.type_cnt());
                    assert_eq!(btf.raw_data(), full.raw_data());
                    ok += 1;
                }
                Err(_) => failed += 1,
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    std::fs::remove_file(&path).unwrap();
    eprintln!("shrinking file: {ok} whole parses, {failed} clean errors, no signal");
    assert_eq!(ok + failed, 300);
}

/// A sealed memfd refuses to shrink, so its mapping stays valid for the object's whole life.
#[test]
fn a_mapped_sealed_memfd_cannot_be_truncated() {
    let bytes = big_btf();
    let sealed = memfd(&bytes, true);
    let btf = Btf::open(fd_path(&sealed)).unwrap();
    assert!(btf.is_mapped());
    assert!(
        sealed.set_len(100).is_err(),
        "F_SEAL_SHRINK refuses the truncation"
    );
    assert_eq!(btf.raw_data().len(), bytes.len());
    assert!(
        btf.find_by_name_kind(b"s11999", Kind::Struct as u32)
            .is_some()
    );
}
