/*
 * fuzz_volume: bundle volumes: the tar reader of an import (bundle.c,
 * reached through jp_bundle_verify) fed arbitrary bytes.  The bundle
 * directory holds the MANIFEST below (the one `jprepo export` wrote for a
 * small RPM-MD and APT store: one volume of 65536 bytes and the files and
 * parts it holds) and the input as its volume vol-0001.tar, cut or padded
 * with zeros to the size the MANIFEST gives, so that every input gets
 * past the size check into the tar reader and the part and hash checks.
 * No signature is checked (trust NULL), no store is written.
 */
#include "config.h"

#include "fuzz_common.h"
#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VOLSIZE 65536

static const char manifest[] =
    "jprepo-bundle 1\n"
    "bundle 2feeca7897766b9eb697622d3acd810c\n"
    "store a098ed603b479b66c339e20e58281f77 jprepo-quickstart\n"
    "sequence 1\n"
    "base -\n"
    "created 2026-11-27T21:21:08Z\n"
    "repo apt apt-repo\n"
    "repo rpm-md repo\n"
    "volume 1 65536 5aafb2db80dab05de3919860764cbea035e9575c0a3855aa237c6cb62b3ec7a8 vol-0001.tar\n"
    "file 6d0861852426e3c8b4de1ab10b370f44eac7cbf978c32328fae301d8a61f2aed 2206 apt-repo/dists/stable/InRelease\n"
    "part 1 1536 2206\n"
    "file fe06df17a29c2a7a625026541c738bb6e20388e94430faa223661bfe8b38cf74 1498 apt-repo/dists/stable/Release\n"
    "part 1 4608 1498\n"
    "file 253bdf937b52dd9fcbae7c076238e0e95f701efe0b3c388a256c0ce9347795f8 659 apt-repo/dists/stable/Release.gpg\n"
    "part 1 6656 659\n"
    "file c841a2e1dc0b132d3fc02e9477a0ad7e7272f4952778674047b02ad8c01d44c3 2469 apt-repo/dists/stable/main/binary-all/Packages\n"
    "part 1 8192 2469\n"
    "file 1f6a405187285b2cb504b06ee25a666abbc1e2b387513afc027f319e98600325 938 apt-repo/dists/stable/main/binary-all/Packages.gz\n"
    "part 1 11264 938\n"
    "file 56f2177a02e7e57d2a328833461a390831b6f65914d8677e5dbf639ff9055ecf 1008 apt-repo/dists/stable/main/binary-all/Packages.xz\n"
    "part 1 12800 1008\n"
    "file 10e604319615282438c2d4c918ff6f435563424b72925ade5686a932165dffe9 820 apt-repo/dists/stable/main/binary-all/by-hash/SHA256/10e604319615282438c2d4c918ff6f435563424b72925ade5686a932165dffe9\n"
    "part 1 14336 820\n"
    "copy 1f6a405187285b2cb504b06ee25a666abbc1e2b387513afc027f319e98600325 938 apt-repo/dists/stable/main/binary-all/by-hash/SHA256/1f6a405187285b2cb504b06ee25a666abbc1e2b387513afc027f319e98600325\n"
    "file 485175b75099e06b91bc9412514e6969905269dacd625164b722f9c59eb9bcad 1843 apt-repo/dists/stable/main/binary-all/by-hash/SHA256/485175b75099e06b91bc9412514e6969905269dacd625164b722f9c59eb9bcad\n"
    "part 1 15872 1843\n"
    "copy 56f2177a02e7e57d2a328833461a390831b6f65914d8677e5dbf639ff9055ecf 1008 apt-repo/dists/stable/main/binary-all/by-hash/SHA256/56f2177a02e7e57d2a328833461a390831b6f65914d8677e5dbf639ff9055ecf\n"
    "file af570dfcc37725ace64b13fd23de6f95ac3f4beb8805cf0d8206e757ad837760 904 apt-repo/dists/stable/main/binary-all/by-hash/SHA256/af570dfcc37725ace64b13fd23de6f95ac3f4beb8805cf0d8206e757ad837760\n"
    "part 1 18432 904\n"
    "copy c841a2e1dc0b132d3fc02e9477a0ad7e7272f4952778674047b02ad8c01d44c3 2469 apt-repo/dists/stable/main/binary-all/by-hash/SHA256/c841a2e1dc0b132d3fc02e9477a0ad7e7272f4952778674047b02ad8c01d44c3\n"
    "copy 10e604319615282438c2d4c918ff6f435563424b72925ade5686a932165dffe9 820 apt-repo/dists/stable/main/binary-all/by-hash/SHA512/284b9b6e47b5aa6f5ae4d9b5291d6e3e5c842474c5a3da5753f4f9d02c354eb2033f9ea77bafa655839f43e037211d65e15e83367ef78f03151693af1b83171d\n"
    "copy af570dfcc37725ace64b13fd23de6f95ac3f4beb8805cf0d8206e757ad837760 904 apt-repo/dists/stable/main/binary-all/by-hash/SHA512/28c8fee4a46eaf3b240a5237e180c83b74c8e1d313460965f0dffba2b823f36bd8a7ec49d0fc54d5cda8a46c84e49e6013779636bdcf29b4643819811b3d5c68\n"
    "copy 485175b75099e06b91bc9412514e6969905269dacd625164b722f9c59eb9bcad 1843 apt-repo/dists/stable/main/binary-all/by-hash/SHA512/6d3ce3ad7dd542b6aa462fb6ff15ff605e02d951daaf6802ae6de1805557a09dcfcfce559f27314dc4ceb0da0ddc5c560465fbd7987171167295bd092b6d5976\n"
    "copy 1f6a405187285b2cb504b06ee25a666abbc1e2b387513afc027f319e98600325 938 apt-repo/dists/stable/main/binary-all/by-hash/SHA512/711ce731d880a25c3dfcfc4e5138b01c6abf0bfc04b2d4bf85b635827c92688b1d80b8467dbb1a92f71498267972fa82a91cc61bc703ad98ace343fbf927ed14\n"
    "copy 56f2177a02e7e57d2a328833461a390831b6f65914d8677e5dbf639ff9055ecf 1008 apt-repo/dists/stable/main/binary-all/by-hash/SHA512/92af6ad4c94aaac0f3bab3a50aaf408c72982ce0f2ea4877a0a4f026f1e4ff4c835cd7a9ef3c5e52ddb5733993d2d8bfe9e476a88d3dc93033badfec2d6cc860\n"
    "copy c841a2e1dc0b132d3fc02e9477a0ad7e7272f4952778674047b02ad8c01d44c3 2469 apt-repo/dists/stable/main/binary-all/by-hash/SHA512/f124cde8b3ab7606a24bffbf5e3a86eecfc85a68823ca07cb33a33b9b31d902948c2d90f2c44d0a273c3aa64edde148f719504d18cca0b4c135437ada2db737b\n"
    "file b55e6c3ff2acd1534bbb903cecd4c2a1a143a540021947bf87b24317039518d8 932 apt-repo/pool/main/hello-config_1.0-1_all.deb\n"
    "part 1 19968 932\n"
    "file b8b6a7250124ef41fe9cedabeecf7ab100775b30a0409ece38db1a1e2e6da30a 940 apt-repo/pool/main/hello_1.0-1_all.deb\n"
    "part 1 21504 940\n"
    "file b08dc960212ba05fc343b77e185120915454ef9c4e7a9d04865395de7ac9af6f 996 apt-repo/pool/main/hello_1.1-1_all.deb\n"
    "part 1 23040 996\n"
    "file 8a86f35882e650cef595e4fda9a52c8acd708e8bee992870b09156e20e472d2b 976 apt-repo/pool/main/libgreet_1.0-1_all.deb\n"
    "part 1 24576 976\n"
    "file 1c5808cf434ad017c7a42a931ce1fd1f3ffc204a0b63165d7fdb8951c63d39f6 6466 repo/Packages/hello-1.0-1.noarch.rpm\n"
    "part 1 26112 6466\n"
    "file 718faee9b7b0e68cca3099f4243a6b8690d267964d2ef376b7cf3b24f04a15a7 6583 repo/Packages/hello-1.1-1.noarch.rpm\n"
    "part 1 33280 6583\n"
    "file 8934f017e86f34970c0cff48f280f625d148a07647bbd2cb385ac5ba2e20fac7 6376 repo/Packages/hello-config-1.0-1.noarch.rpm\n"
    "part 1 40448 6376\n"
    "file daf2b205b08048f38a8b4f436bcaad78613d03a2d45eb59d1c731f339ff00e66 6476 repo/Packages/libgreet-1.0-1.noarch.rpm\n"
    "part 1 47616 6476\n"
    "file 42315ed6e331a8e065169cbd4df77263eca20048a5f102ff86a27afaba1f5cfa 485 repo/repodata/42315ed6e331a8e065169cbd4df77263eca20048a5f102ff86a27afaba1f5cfa-other.xml.gz\n"
    "part 1 54784 485\n"
    "file 6add7dee7cf95bfb400f9d18ef53a1bd13e94dd87828e95f3f4de0fa6908b85e 425 repo/repodata/6add7dee7cf95bfb400f9d18ef53a1bd13e94dd87828e95f3f4de0fa6908b85e-filelists.xml.gz\n"
    "part 1 55808 425\n"
    "file c534b278b8b762628bbe91b253a708a5553cb72b9a38f543b0cea743f33a8053 1144 repo/repodata/c534b278b8b762628bbe91b253a708a5553cb72b9a38f543b0cea743f33a8053-primary.xml.gz\n"
    "part 1 56832 1144\n"
    "file 50c2a9300b108fa3a575633880aec0a97da3b4a5fa8ae180c4705bb892a93aff 1548 repo/repodata/repomd.xml\n"
    "part 1 58880 1548\n"
    "file 3c843874ba3e63d2e44dd7478bdcabbe05ccbffa5186c22f96da8ce83e7b6624 659 repo/repodata/repomd.xml.asc\n"
    "part 1 61440 659\n"
    "file c93d8bdcce83d05eede9716a9856378f7a8f8ed50a6fceebfdce1154c72ffdb6 1319 repo/repodata/repomd.xml.key\n"
    "part 1 62976 1319\n"
    "end\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char vol[VOLSIZE];
	struct jp_ctx ctx;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/bundle", fz_tmpdir());
	memset(vol, 0, sizeof(vol));
	memcpy(vol, data, size < VOLSIZE ? size : VOLSIZE);
	fz_write(dir, "MANIFEST", manifest, strlen(manifest));
	fz_write(dir, "vol-0001.tar", vol, sizeof(vol));
	fz_ctx(&ctx);
	fz_debug(&ctx, "verify",
	    jp_bundle_verify(&ctx, dir, NULL, NULL, NULL));
	return 0;
}
