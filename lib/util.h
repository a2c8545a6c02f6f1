/*
 * util.h — the ground floor in one include. Each concept of the shared
 * helpers lives in its own small file in lib/ (base, error, xalloc, strbuf,
 * scrub, parse, timeutil, rng, exec, files, interrupt); this header only
 * gathers them, so that a module needing several includes one name.
 */
#ifndef LAB_UTIL_H
#define LAB_UTIL_H

#include "base.h"
#include "error.h"
#include "xalloc.h"
#include "strbuf.h"
#include "scrub.h"
#include "parse.h"
#include "timeutil.h"
#include "rng.h"
#include "exec.h"
#include "files.h"
#include "interrupt.h"

#endif
