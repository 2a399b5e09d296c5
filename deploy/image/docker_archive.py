#!/usr/bin/env python3
"""Wraps a root filesystem tarball as a one-layer image in the docker-archive format (what
`docker save` writes and `docker load`, Jib's tar:// base images, skopeo and podman read):
manifest.json, the image configuration and the layer.

    docker_archive.py ROOTFS.tar OUT.tar REPO:TAG
"""
import hashlib
import io
import json
import sys
import tarfile


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def add_bytes(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    archive.addfile(info, io.BytesIO(data))


def main(rootfs, out, tag):
    layer_id = sha256_of(rootfs)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": [
                "JAVA_HOME=/opt/java",
                "PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG=C.UTF-8",
            ],
            "User": "10001:10001",
            "WorkingDir": "/var/lib/warden",
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_id]},
        "history": [{"created": "1970-01-01T00:00:00Z",
                     "created_by": "deploy/image/build-base-image.sh (mmdebstrap + jlink)"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": [layer_id + "/layer.tar"]}]
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as archive:
        add_bytes(archive, config_name, config_bytes)
        archive.add(rootfs, arcname=layer_id + "/layer.tar")
        add_bytes(archive, "manifest.json", json.dumps(manifest).encode())


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
