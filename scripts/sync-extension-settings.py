#!/usr/bin/env python
"""Write the language server's settings (lsp/settings.py) into the VS Code extension's
package.json as `debugkit.lint.*` properties; tests/vscode/test_extension.py fails until the
two agree. Run after changing a setting: `python scripts/sync-extension-settings.py`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lsp.settings import SECTION, package_json_properties  # noqa: E402

MANIFEST = ROOT / "vscode-config" / "extension" / "package.json"


def main() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    kept = {k: v for k, v in properties.items() if not k.startswith(SECTION + ".")}
    manifest["contributes"]["configuration"]["properties"] = {**kept, **package_json_properties()}
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"updated {MANIFEST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
