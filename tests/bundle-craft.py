#!/usr/bin/env python3
# bundle-craft.py: write (and check) jprepo bundle directories, format 1
# (jprepo-bundle(5)), independently of jprepo, for the bundle tests.
#
#   bundle-craft.py write -o BUNDLEDIR --key KEY.pem --cert CERT.pem
#                   [options] [hostile options] REPODIR...
#   bundle-craft.py check --trust CERT.pem BUNDLEDIR
#
# "write" lays out a full bundle of the repositories REPODIR... exactly as
# the bundle design says: pax tar volumes vol-NNNN.tar whose first entry is
# JPREPO-VOLUME, one entry per part of each carried file in path order, a
# 1024-byte end of archive and no blocking; MANIFEST with frame-sha256 over
# each volume's bytes but its parts' data ranges; MANIFEST.sig, a detached
# DER CMS signature by the openssl CLI.  Written in the bundle's order:
# volumes, MANIFEST.sig, MANIFEST.  MANIFEST lines as amended after the
# first draft: names last ("store ID NAME", "repo TYPE NAME",
# "volume N SIZE FRAME-SHA256 vol-NNNN.tar").  Full bundles only: no keep
# or delete lines (--base only changes the base line); files whose content
# an earlier file (in path order) has are listed as copy.
#
# The hostile options change just one thing each, and everything else
# (offsets, sizes, frame-sha256, the signature) is computed from what is
# really written, so that the bundle is what a malicious insider holding
# the trusted key would make:
#   --at POS                 where the following --extra* entries go:
#                            start (after JPREPO-VOLUME of volume 1), end
#                            (after the last part; the default),
#                            before:PATH, after:PATH (PATH a MANIFEST path),
#                            volstart:N (after JPREPO-VOLUME of volume N)
#   --extra NAME             a regular-file entry NAME that MANIFEST does not
#                            list (content: a line naming it)
#   --extra-gnu NAME         the same in GNU tar format (a long NAME then
#                            travels in a ././@LongLink entry)
#   --extra-symlink NAME=TARGET, --extra-hardlink NAME=TARGET,
#   --extra-fifo NAME, --extra-chr NAME, --extra-blk NAME, --extra-dir NAME
#                            an entry of that type
#   --as-type PATH=TYPE[:TARGET]  the entry of PATH (its first part) is of
#                            TYPE (symlink, hardlink, fifo, chr, blk, dir)
#                            instead of a regular file; entry size 0, so use
#                            it on an empty file for an otherwise exact
#                            MANIFEST
#   --rename-entry PATH=NAME the entries of PATH are named NAME in the tar
#                            (MANIFEST unchanged)
#   --duplicate PATH         the (last) entry of PATH is written twice
#   --oversize PATH=K        the entry of PATH holds K bytes more than
#                            MANIFEST declares (MANIFEST's size, part
#                            length and sha256 describe the real file)
#   --manifest-path PATH=NEW the file PATH is listed in MANIFEST, and named
#                            in the tar, as NEW (e.g. an unsafe path)
#   --manifest-dup PATH      PATH is listed (and carried) twice
#   --rename-repo OLD=NEW    repository OLD travels as NEW
#   --pax PATH=KEY=VALUE     a pax extended header record KEY=VALUE on the
#                            (first) entry of PATH (e.g. path, size)
#   --set-size PATH=TEXT     MANIFEST gives TEXT as the size of PATH
#   --set-parts PATH=V:O:L[,V:O:L...]  MANIFEST gives these part lines for
#                            PATH; an O of "@" is the real offset of its
#                            first part
#   --volume-name N=NAME     MANIFEST names volume N NAME (the file written
#                            is still vol-NNNN.tar)
# "NAME=VALUE" arguments split at the first "="; "\xHH" in any NAME, PATH
# or VALUE stands for that byte (for control characters).
#
# "check" verifies a bundle against the design without jprepo: signature
# (openssl), MANIFEST syntax and order, each volume entry by entry (name,
# type, size, offset), JPREPO-VOLUME, frame-sha256 and each file's sha256.
# Prints the problems and exits 1 on any.
#
# Python 3 standard library only (plus the openssl command).

import argparse
import hashlib
import os
import re
import secrets
import stat
import subprocess
import sys
import tarfile
import time

BLOCK = 512
EOA = 2 * BLOCK
CHUNK = 1 << 20


def unescape(s):
	"""NAME with \\xHH sequences replaced by those bytes (as surrogates)."""
	b = os.fsencode(s)
	out = bytearray()
	i = 0
	while i < len(b):
		if b[i:i + 2] == b"\\x" and re.fullmatch(rb"[0-9a-fA-F]{2}", b[i + 2:i + 4]):
			out.append(int(b[i + 2:i + 4], 16))
			i += 4
		else:
			out.append(b[i])
			i += 1
	return os.fsdecode(bytes(out))


def pathkey(p):
	return os.fsencode(p)


def pad(n):
	return (BLOCK - n % BLOCK) % BLOCK


def die(msg):
	sys.stderr.write("bundle-craft: %s\n" % msg)
	sys.exit(2)


class Ordered(argparse.Action):
	"""Keep the hostile options in command-line order (for --at)."""

	def __call__(self, parser, ns, values, option_string=None):
		ops = getattr(ns, "ops", None) or []
		ops.append((self.dest, unescape(values)))
		ns.ops = ops


class File:
	"""One file of a repository as it will be listed in MANIFEST."""

	def __init__(self, path, src, st):
		self.path = path
		self.src = src
		self.size = st.st_size
		self.mtime = int(st.st_mtime)
		h = hashlib.sha256()
		with open(src, "rb") as f:
			for b in iter(lambda: f.read(CHUNK), b""):
				h.update(b)
		self.sha = h.hexdigest()
		self.kind = "file"
		self.parts = []  # (volume, offset, length)
		self.entry_name = path
		self.as_type = None
		self.oversize = 0
		self.duplicate = False
		self.pax = {}
		self.set_size = None
		self.set_parts = None

	def data(self, off, n):
		with open(self.src, "rb") as f:
			f.seek(off)
			b = f.read(n)
		if len(b) != n:
			die("%s changed while being read" % self.src)
		return b


class Entry:
	"""One tar entry of a volume."""

	def __init__(self, name, typ="file", size=0, mtime=0, linkname="",
	    data=b"", owner=None, part_off=0, part_len=None):
		self.name = name
		self.typ = typ
		self.size = size
		self.mtime = mtime
		self.linkname = linkname
		self.data = data  # bytes, or callable () -> bytes
		self.owner = owner  # the File whose part this is, or None
		self.part_off = part_off
		self.part_len = part_len  # declared length (None: not a part)
		self.fmt = tarfile.PAX_FORMAT
		self.pax = {}

	def tarinfo(self):
		ti = tarfile.TarInfo(self.name)
		ti.type = {"file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE,
		    "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE,
		    "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
		    "dir": tarfile.DIRTYPE}[self.typ]
		ti.size = self.size if self.typ == "file" else 0
		ti.mode = 0o755 if self.typ == "dir" else 0o644
		ti.uid = ti.gid = 0
		ti.uname = ti.gname = ""
		ti.mtime = self.mtime
		ti.linkname = self.linkname
		ti.pax_headers = dict(self.pax)
		if self.typ in ("chr", "blk"):
			ti.devmajor, ti.devminor = 1, 3  # /dev/null
		return ti

	def hdr(self):
		return self.tarinfo().tobuf(self.fmt, "utf-8", "surrogateescape")

	def bytes_(self):
		return self.data() if callable(self.data) else self.data


def collect(repodirs, renames):
	repos = {}
	files = []
	for d in repodirs:
		d = d.rstrip("/") or "/"
		name = os.path.basename(d)
		name = renames.pop(name, name)
		if name in repos:
			die("two repositories named '%s'" % name)
		if os.path.isfile(os.path.join(d, "repodata", "repomd.xml")):
			repos[name] = "rpm-md"
		elif os.path.isdir(os.path.join(d, "dists")):
			repos[name] = "apt"
		else:
			die("'%s' is neither an RPM-MD nor an APT repository" % d)
		for top, dirs, names in os.walk(d):
			dirs[:] = sorted(x for x in dirs if not x.startswith(".jprepo"))
			for x in sorted(names):
				if x.startswith(".jprepo"):
					continue
				src = os.path.join(top, x)
				st = os.lstat(src)
				if not stat.S_ISREG(st.st_mode):
					die("'%s' is not a regular file" % src)
				rel = os.path.relpath(src, d).replace(os.sep, "/")
				files.append(File(name + "/" + rel, src, st))
			for x in dirs:
				if os.path.islink(os.path.join(top, x)):
					die("'%s' is a symbolic link" % os.path.join(top, x))
	if renames:
		die("--rename-repo: no repository '%s'" % next(iter(renames)))
	return repos, files


def cmd_write(a):
	ops = getattr(a, "ops", None) or []
	if a.mtime is None:
		a.mtime = int(time.time())
	renames = dict(v.split("=", 1) for k, v in ops if k == "rename_repo")
	repos, files = collect(a.repodirs, renames)
	byname = {f.path: f for f in files}

	def need(p, opt):
		if p not in byname:
			die("%s: no file '%s' in the repositories" % (opt, p))
		return byname[p]

	# Changes to the files (MANIFEST paths first: the others name the new path).
	for k, v in ops:
		if k == "manifest_path":
			old, new = v.split("=", 1)
			f = need(old, "--manifest-path")
			del byname[old]
			f.path = f.entry_name = new
			byname[new] = f
	for k, v in ops:
		if k == "manifest_dup":
			f = need(v, "--manifest-dup")
			g = File(f.path, f.src, os.stat(f.src))
			g.forced = True
			files.append(g)
	for k, v in ops:
		if k == "rename_entry":
			p, n = v.split("=", 1)
			need(p, "--rename-entry").entry_name = n
		elif k == "as_type":
			p, t = v.split("=", 1)
			need(p, "--as-type").as_type = t
		elif k == "oversize":
			p, n = v.split("=", 1)
			need(p, "--oversize").oversize = int(n)
		elif k == "pax":
			p, kv = v.split("=", 1)
			key, val = kv.split("=", 1)
			need(p, "--pax").pax[key] = val
		elif k == "set_size":
			p, t = v.split("=", 1)
			need(p, "--set-size").set_size = t
		elif k == "set_parts":
			p, t = v.split("=", 1)
			need(p, "--set-parts").set_parts = [x.split(":") for x in t.split(",")]
		elif k == "duplicate":
			need(v, "--duplicate").duplicate = True
	files.sort(key=lambda f: pathkey(f.path))
	if not a.no_copy:
		seen = set()
		for f in files:
			if f.sha in seen and not getattr(f, "forced", False):
				f.kind = "copy"
			seen.add(f.sha)

	# Extra entries by position.
	where = {}
	at = "end"
	for k, v in ops:
		if k == "at":
			at = v
			if at not in ("start", "end") and \
			    not re.match("(before|after):|volstart:[1-9][0-9]*$", at):
				die("--at: want start, end, before:PATH, after:PATH or volstart:N")
			if re.match("(before|after):", at):
				need(at.split(":", 1)[1], "--at")
			continue
		if not k.startswith("extra"):
			continue
		typ = {"extra": "file", "extra_gnu": "file", "extra_symlink": "symlink",
		    "extra_hardlink": "hardlink", "extra_fifo": "fifo",
		    "extra_chr": "chr", "extra_blk": "blk", "extra_dir": "dir"}[k]
		name, link = v, ""
		if typ in ("symlink", "hardlink"):
			name, link = v.split("=", 1)
		data = b""
		if typ == "file":
			data = ("jprepo test: hostile entry %s\n" % name).encode("utf-8", "surrogateescape")
		e = Entry(name, typ, len(data), a.mtime, link, data)
		if k == "extra_gnu":
			e.fmt = tarfile.GNU_FORMAT
		where.setdefault(at, []).append(e)

	# The logical sequence of entries; a File stands for its parts.
	seq = list(where.get("start", []))
	for f in files:
		if f.kind != "file":
			continue
		seq += where.get("before:" + f.path, [])
		seq.append(f)
		seq += where.get("after:" + f.path, [])
	seq += where.get("end", [])

	bundle_id = a.bundle_id or secrets.token_hex(16)
	vols = []  # lists of Entry

	def new_volume():
		n = len(vols) + 1
		content = ("jprepo-bundle 1\nbundle %s\nvolume %d\n" %
		    (bundle_id, n)).encode()
		e = Entry("JPREPO-VOLUME", "file", len(content), a.mtime,
		    data=content)
		vols.append([e])
		used = len(e.hdr()) + len(content) + pad(len(content))
		for x in where.get("volstart:%d" % n, []):
			vols[-1].append(x)
			used += room(x)
		return used

	def room(e):
		return len(e.hdr()) + (e.size + pad(e.size) if e.typ == "file" else 0)

	cur = new_volume()
	cap = a.volume_size

	for item in seq:
		if isinstance(item, Entry):
			if cur + room(item) + EOA > cap:
				cur = new_volume()
				if cur + room(item) + EOA > cap:
					die("volume size too small for entry '%s'" % item.name)
			vols[-1].append(item)
			cur += room(item)
			continue
		f = item
		off = 0
		first = True
		while first or off < f.size:
			probe = Entry(f.entry_name, "file", f.size - off)
			hdr = len(probe.hdr())
			avail = (cap - cur - EOA - hdr) // BLOCK * BLOCK
			left = f.size - off
			if f.oversize:
				# An oversized entry is never split.
				k = left + f.oversize
				if k + pad(k) > avail:
					avail = -1
			if avail < 0 or (left > 0 and avail == 0):
				if all(x.owner is None for x in vols[-1]):
					die("volume size too small")
				cur = new_volume()
				continue
			n = min(left, avail)
			last = off + n == f.size
			src = f
			o = off
			e = Entry(f.entry_name, "file", n, f.mtime,
			    data=(lambda src=src, o=o, n=n: src.data(o, n)),
			    owner=f, part_off=off, part_len=n)
			if first and f.pax:
				e.pax = dict(f.pax)
			if first and f.as_type:
				t, _, link = f.as_type.partition(":")
				e.typ = t
				e.linkname = link
			if last and f.oversize:
				k = f.oversize
				e.size = n + k
				e.data = (lambda src=src, o=o, n=n, k=k: src.data(o, n) + b"X" * k)
			vols[-1].append(e)
			cur += room(e)
			off += n
			first = False
		if f.duplicate:
			d = vols[-1][-1]
			dup = Entry(d.name, d.typ, d.size, d.mtime, d.linkname, d.data)
			if cur + room(dup) + EOA > cap:
				die("no room for the duplicate of '%s'" % f.path)
			vols[-1].append(dup)
			cur += room(dup)

	# Write the volumes; note each part's data offset.
	os.makedirs(a.output, exist_ok=True)
	for x in os.listdir(a.output):
		if x == "MANIFEST" or re.fullmatch(r"vol-\d+\.tar", x):
			die("'%s' already holds a bundle" % a.output)
	vol_lines = []
	vol_names = dict((int(v.split("=", 1)[0]), v.split("=", 1)[1])
	    for k, v in ops if k == "volume_name")
	for i, entries in enumerate(vols, 1):
		fn = "vol-%04d.tar" % i
		path = os.path.join(a.output, fn)
		ranges = []
		with open(path + ".tmp", "wb") as out:
			for e in entries:
				out.write(e.hdr())
				pos = out.tell()
				if e.owner is not None:
					e.owner.parts.append((i, pos, e.part_len))
					ranges.append((pos, e.part_len))
				if e.typ == "file":
					b = e.bytes_()
					assert len(b) == e.size
					out.write(b)
					out.write(b"\0" * pad(len(b)))
			out.write(b"\0" * EOA)
			out.flush()
			os.fsync(out.fileno())
		os.rename(path + ".tmp", path)
		vol_lines.append("volume %d %d %s %s" % (i, os.path.getsize(path),
		    frame_sha(path, ranges), vol_names.get(i, fn)))

	# MANIFEST.
	lines = ["jprepo-bundle 1", "bundle " + bundle_id,
	    "store %s %s" % (a.store_id or secrets.token_hex(16),
	    a.store_name or store_name(a.repodirs)),
	    "sequence %d" % a.sequence, "base " + (a.base or "-"),
	    "created " + (a.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))]
	for name in sorted(repos, key=pathkey):
		lines.append("repo %s %s" % (repos[name], name))
	lines += vol_lines
	for f in files:
		lines.append("%s %s %s %s" % (f.kind, f.sha,
		    f.size if f.set_size is None else f.set_size, f.path))
		if f.kind == "file" and f.set_parts is not None:
			for v, o, n in f.set_parts:
				lines.append("part %s %s %s" % (v,
				    f.parts[0][1] if o == "@" else o, n))
			continue
		if f.kind == "file":
			if not f.parts:
				die("'%s' got no part" % f.path)
			for v, o, n in f.parts:
				lines.append("part %d %d %d" % (v, o, n))
	lines.append("end")
	text = "".join(l + "\n" for l in lines).encode("utf-8", "surrogateescape")
	man = os.path.join(a.output, "MANIFEST")
	with open(man + ".tmp", "wb") as out:
		out.write(text)
	sig = os.path.join(a.output, "MANIFEST.sig")
	r = subprocess.run(["openssl", "cms", "-sign", "-binary", "-outform", "DER",
	    "-md", "sha256", "-signer", a.cert, "-inkey", a.key,
	    "-in", man + ".tmp", "-out", sig], stderr=subprocess.PIPE)
	if r.returncode != 0:
		die("openssl cms -sign failed: %s" % r.stderr.decode(errors="replace"))
	os.rename(man + ".tmp", man)
	return 0


def store_name(repodirs):
	return os.path.basename(os.path.dirname(os.path.abspath(repodirs[0].rstrip("/"))))


def frame_sha(path, ranges):
	"""SHA-256 over the bytes of path but the (offset, length) ranges."""
	h = hashlib.sha256()
	size = os.path.getsize(path)
	with open(path, "rb") as f:
		pos = 0
		for off, n in sorted(ranges) + [(size, 0)]:
			off = min(off, size)
			if off > pos:
				f.seek(pos)
				left = off - pos
				while left:
					b = f.read(min(left, CHUNK))
					if not b:
						break
					h.update(b)
					left -= len(b)
			pos = max(pos, min(off + n, size))
	return h.hexdigest()


# --- check ------------------------------------------------------------------

HEX32 = re.compile(r"[0-9a-f]{32}")
HEX64 = re.compile(r"[0-9a-f]{64}")
NUM = re.compile(r"0|[1-9][0-9]*")


def safe_path(p, repos):
	if any(ord(c) < 0x20 or ord(c) == 0x7f for c in p):
		return "control character"
	comps = p.split("/")
	if len(comps) < 2:
		return "no path inside a repository"
	if any(c in ("", ".", "..") for c in comps):
		return "empty, '.' or '..' component"
	if comps[0] not in repos:
		return "repository '%s' not listed" % comps[0]
	return None


def cmd_check(a):
	probs = []
	d = a.bundledir
	man = os.path.join(d, "MANIFEST")
	r = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER",
	    "-content", man, "-in", os.path.join(d, "MANIFEST.sig"),
	    "-CAfile", a.trust, "-purpose", "any", "-out", os.devnull],
	    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
	if r.returncode != 0:
		print("MANIFEST.sig: signature does not verify: %s" %
		    r.stderr.decode(errors="replace").strip())
		return 1
	with open(man, "rb") as f:
		raw = f.read()
	try:
		text = raw.decode("utf-8")
	except UnicodeDecodeError:
		print("MANIFEST: not UTF-8")
		return 1
	if not text.endswith("\n"):
		print("MANIFEST: no final LF")
		return 1
	L = text[:-1].split("\n")
	i = 0

	def bad(msg):
		probs.append("MANIFEST line %d: %s: %r" % (i + 1, msg, L[i] if i < len(L) else ""))

	def take(pattern):
		nonlocal i
		if i < len(L):
			m = re.fullmatch(pattern, L[i])
			if m:
				i += 1
				return m
		return None

	hdr = [take(r"jprepo-bundle 1"), take(r"bundle ([0-9a-f]{32})"),
	    take(r"store ([0-9a-f]{32}) ([^/]+)"), take(r"sequence ([1-9][0-9]*)"),
	    take(r"base (-|[0-9a-f]{32} [1-9][0-9]*)"),
	    take(r"created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")]
	if not all(hdr):
		bad("header lines wrong")
		print("\n".join(probs))
		return 1
	bundle_id = hdr[1].group(1)
	incremental = hdr[4].group(1) != "-"
	repos = []
	while (m := take(r"repo (?:rpm-md|apt) ([^ /]+)")):
		repos.append(m.group(1))
		if m.group(1) in (".", "..") or m.group(1).startswith(".jprepo"):
			probs.append("MANIFEST: repository name %r" % m.group(1))
	if not repos or repos != sorted(repos, key=pathkey) or len(set(repos)) != len(repos):
		bad("repo lines missing, unsorted or repeated")
	vols = []
	while (m := take(r"volume (\d+) (\d+) ([0-9a-f]{64}) (vol-\d{4,}\.tar)")):
		vols.append((int(m.group(1)), m.group(4), int(m.group(2)), m.group(3)))
		if m.group(4) != "vol-%04d.tar" % vols[-1][0]:
			bad("volume file name is not vol-%04u.tar")
		if vols[-1][0] != len(vols):
			bad("volumes not numbered 1..N")
	files = []  # (kind, sha, size, path, parts)
	while i < len(L) and re.match(r"(file|copy|keep) ", L[i]):
		m = re.fullmatch(r"(file|copy|keep) ([0-9a-f]{64}) (0|[1-9][0-9]*) (.+)", L[i])
		if not m:
			bad("bad record")
			i += 1
			continue
		i += 1
		kind, sha, size, path = m.group(1), m.group(2), int(m.group(3)), m.group(4)
		why = safe_path(path, repos)
		if why:
			probs.append("MANIFEST: unsafe path %r: %s" % (path, why))
		if kind == "keep" and not incremental:
			probs.append("MANIFEST: keep in a full bundle: %s" % path)
		parts = []
		while (m := take(r"part ([1-9][0-9]*) (0|[1-9][0-9]*) (0|[1-9][0-9]*)")):
			parts.append(tuple(int(x) for x in m.groups()))
		if (kind == "file") != bool(parts):
			probs.append("MANIFEST: %s %s: part lines wrong" % (kind, path))
		if kind == "file" and (sum(p[2] for p in parts) != size or
		    (size == 0 and len(parts) != 1)):
			probs.append("MANIFEST: %s: parts do not add up to %d" % (path, size))
		files.append((kind, sha, size, path, parts))
	paths = [f[3] for f in files]
	if paths != sorted(paths, key=pathkey) or len(set(paths)) != len(paths):
		probs.append("MANIFEST: paths unsorted or repeated")
	shas = {f[1] for f in files if f[0] in ("file", "keep")}
	for f in files:
		if f[0] == "copy" and f[1] not in shas:
			probs.append("MANIFEST: copy %s: no file or keep with its sha256" % f[3])
	deletes = []
	while (m := take(r"delete (.+)")):
		deletes.append(m.group(1))
	if deletes and not incremental:
		probs.append("MANIFEST: delete in a full bundle")
	if deletes != sorted(deletes, key=pathkey):
		probs.append("MANIFEST: delete lines unsorted")
	if not take(r"end") or i != len(L):
		bad("expected 'end' as the last line")

	# Volumes: the expected entries in order.
	want = {}  # volume -> [(path, offset, length)]
	for kind, sha, size, path, parts in files:
		for v, o, n in parts:
			want.setdefault(v, []).append((path, o, n))
	data = {}  # path -> sha256 object over its parts in order
	for v, fn, size, fsha in vols:
		p = os.path.join(d, fn)
		if not os.path.isfile(p):
			probs.append("%s: missing" % fn)
			continue
		if os.path.getsize(p) != size:
			probs.append("%s: size %d, MANIFEST says %d" % (fn, os.path.getsize(p), size))
			continue
		exp = [("JPREPO-VOLUME", None, None)] + want.get(v, [])
		try:
			tf = tarfile.open(p, "r:", format=tarfile.PAX_FORMAT)
			members = tf.getmembers()
		except (tarfile.TarError, OSError) as e:
			probs.append("%s: damaged: %s" % (fn, e))
			continue
		end = max((m.offset_data + m.size + pad(m.size) for m in members), default=0)
		if end + EOA != size:
			probs.append("%s: %d bytes of entries + 1024 != size %d" % (fn, end, size))
		if len(members) != len(exp):
			probs.append("%s: %d entries, MANIFEST wants %d" % (fn, len(members), len(exp)))
		with open(p, "rb") as fh:
			for m, (path, o, n) in zip(members, exp):
				if m.name != path or not m.isreg():
					probs.append("%s: entry %r (type %r), want regular file %r" %
					    (fn, m.name, m.type, path))
					break
				fh.seek(m.offset_data)
				b = fh.read(m.size)
				if o is None:
					want_vh = "jprepo-bundle 1\nbundle %s\nvolume %d\n" % (bundle_id, v)
					if b != want_vh.encode():
						probs.append("%s: JPREPO-VOLUME is %r" % (fn, b))
					continue
				if m.offset_data != o or m.size != n:
					probs.append("%s: %s at %d size %d, MANIFEST says %d, %d" %
					    (fn, path, m.offset_data, m.size, o, n))
				data.setdefault(path, hashlib.sha256()).update(b)
		ranges = [(o, n) for path, o, n in want.get(v, [])]
		if frame_sha(p, ranges) != fsha:
			probs.append("%s: frame-sha256 differs" % fn)
	for kind, sha, size, path, parts in files:
		if kind == "file" and path in data and data[path].hexdigest() != sha:
			probs.append("%s: sha256 differs" % path)
	if probs:
		print("\n".join(probs))
		return 1
	return 0


def main():
	p = argparse.ArgumentParser(prog="bundle-craft.py")
	sub = p.add_subparsers(dest="cmd", required=True)
	w = sub.add_parser("write")
	w.add_argument("-o", "--output", required=True)
	w.add_argument("--key", required=True)
	w.add_argument("--cert", required=True)
	w.add_argument("--store-name")
	w.add_argument("--store-id")
	w.add_argument("--bundle-id")
	w.add_argument("--sequence", type=int, default=1)
	w.add_argument("--base", help="'BUNDLE-ID SEQUENCE' (default '-')")
	w.add_argument("--created", help="YYYY-MM-DDTHH:MM:SSZ (default: now)")
	w.add_argument("--mtime", type=int, help="mtime of JPREPO-VOLUME and extra entries")
	w.add_argument("--volume-size", type=int, default=4293918720)
	w.add_argument("--no-copy", action="store_true",
	    help="carry every file, even one whose content an earlier one has")
	for o in ("at", "extra", "extra-gnu", "extra-symlink", "extra-hardlink",
	    "extra-fifo", "extra-chr", "extra-blk", "extra-dir", "as-type",
	    "rename-entry", "duplicate", "oversize", "manifest-path",
	    "manifest-dup", "rename-repo", "pax", "set-size", "set-parts",
	    "volume-name"):
		w.add_argument("--" + o, action=Ordered)
	w.add_argument("repodirs", nargs="+")
	c = sub.add_parser("check")
	c.add_argument("--trust", required=True)
	c.add_argument("bundledir")
	a = p.parse_args()
	if a.cmd == "write":
		return cmd_write(a)
	return cmd_check(a)


if __name__ == "__main__":
	sys.exit(main())
