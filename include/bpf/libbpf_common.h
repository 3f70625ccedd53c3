/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/*
 * libbtf: the macros libbpf's public headers share, for programs written against libbpf's API:
 * the export marker, deprecation markers, and LIBBPF_OPTS for declaring options structs.
 * Hand-written; the function declarations are generated (see btf.h).
 */
#ifndef __LIBBPF_LIBBPF_COMMON_H
#define __LIBBPF_LIBBPF_COMMON_H

#include <string.h> /* memset() and memcpy() in LIBBPF_OPTS and LIBBPF_OPTS_RESET */
#include "libbpf_version.h"

/* Marks the functions the shared library exports. */
#ifndef LIBBPF_API
#define LIBBPF_API __attribute__((visibility("default")))
#endif

#define LIBBPF_DEPRECATED(msg) __attribute__((deprecated(msg)))

/*
 * LIBBPF_DEPRECATED_SINCE(major, minor, msg) marks a declaration deprecated once the API version
 * (libbpf_version.h) has reached major.minor. Each major.minor it is used with needs a
 * __LIBBPF_MARK_DEPRECATED_<major>_<minor>(X) below that expands to X when that version is reached
 * and to nothing before.
 */
#define LIBBPF_DEPRECATED_SINCE(major, minor, msg)                                                  \
	__LIBBPF_MARK_DEPRECATED_##major##_##minor(                                                 \
		LIBBPF_DEPRECATED("libbpf v" #major "." #minor "+: " msg))

#define __LIBBPF_CURRENT_VERSION_GEQ(major, minor)                                                  \
	(LIBBPF_MAJOR_VERSION > (major) ||                                                          \
	 (LIBBPF_MAJOR_VERSION == (major) && LIBBPF_MINOR_VERSION >= (minor)))

#if __LIBBPF_CURRENT_VERSION_GEQ(1, 0)
#define __LIBBPF_MARK_DEPRECATED_1_0(X) X
#else
#define __LIBBPF_MARK_DEPRECATED_1_0(X)
#endif

/*
 * ___libbpf_overload(NAME, args...) calls NAME<n>(args...), where n is the number of arguments
 * (1 to 6): a way to offer one name for calls with different argument counts.
 */
#define ___libbpf_cat(A, B) A##B
#define ___libbpf_select(NAME, NUM) ___libbpf_cat(NAME, NUM)
#define ___libbpf_nth(_1, _2, _3, _4, _5, _6, N, ...) N
#define ___libbpf_cnt(...) ___libbpf_nth(__VA_ARGS__, 6, 5, 4, 3, 2, 1)
#define ___libbpf_overload(NAME, ...)                                                               \
	___libbpf_select(NAME, ___libbpf_cnt(__VA_ARGS__))(__VA_ARGS__)

/*
 * LIBBPF_OPTS(TYPE, NAME, fields...) declares NAME as a `struct TYPE` options struct with .sz set
 * to its size, the given designated initialisers applied, and every other byte zero:
 *
 *	LIBBPF_OPTS(btf_permute_opts, opts, .btf_ext = NULL);
 *	err = btf__permute(btf, ids, cnt, &opts);
 *
 * The library accepts a struct larger than the one it knows only when the bytes it does not know
 * are zero, so the struct is cleared with memset() before the initialised copy is assigned: that
 * way padding bytes stay zero in practice too, which a plain initialiser does not promise.
 */
#define LIBBPF_OPTS(TYPE, NAME, ...)                                                                \
	struct TYPE NAME = ({                                                                       \
		memset(&NAME, 0, sizeof(struct TYPE));                                              \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };                            \
	})

/* LIBBPF_OPTS_RESET(NAME, fields...) clears the options struct NAME the same way, sets .sz again
 * and applies the given designated initialisers. */
#define LIBBPF_OPTS_RESET(NAME, ...)                                                                \
	do {                                                                                        \
		typeof(NAME) ___##NAME = ({                                                         \
			memset(&___##NAME, 0, sizeof(NAME));                                        \
			(typeof(NAME)){ .sz = sizeof(NAME), __VA_ARGS__ };                          \
		});                                                                                 \
		memcpy(&NAME, &___##NAME, sizeof(NAME));                                            \
	} while (0)

#endif /* __LIBBPF_LIBBPF_COMMON_H */
