/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * libbtf: the version of libbpf's API that libbtf implements. Code written against libbpf tests
 * these to pick the calls it may use; libbtf's own version is LIBBTF_VERSION in btf.h.
 * Hand-written.
 */
#ifndef __LIBBPF_VERSION_H
#define __LIBBPF_VERSION_H

#define LIBBPF_MAJOR_VERSION 1
#define LIBBPF_MINOR_VERSION 7

#endif /* __LIBBPF_VERSION_H */
