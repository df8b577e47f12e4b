"""English and French: the catalogue is complete and compiled, the language is chosen as documented,
and the CLI, its reports and the browse metadata speak it; machine formats keep their English keys."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from pictures import jpeg, photo_like, rendered
from typer.testing import CliRunner

from emblemcheck import i18n
from emblemcheck.cli import app

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "emblemcheck" / "locale" / "fr" / "LC_MESSAGES" / "emblemcheck.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _catalogue():
    with open(PO, "rb") as handle:
        return read_po(handle)


def _extracted() -> set[str]:
    """Every message in the code, as `pybabel extract -F babel.cfg -k N_` finds it (README, Development)."""
    from babel.messages.frontend import parse_mapping_cfg

    with open(REPO / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "N_": None, "gettext": None}
    return {message for _file, _line, message, _comments, _context
            in extract_from_dir(str(REPO), method_map, options_map, keywords=keywords) if message}


def test_every_message_in_the_code_has_a_french_translation():
    translated = {m.id: m.string for m in _catalogue() if m.id}
    missing = sorted(m for m in _extracted() if not translated.get(m))
    assert not missing, (
        f"{len(missing)} message(s) without French: run the commands in README, Development "
        f"(extract, update, translate, compile); the first: {missing[:5]}")


def test_the_cli_help_texts_are_extracted():
    extracted = _extracted()
    assert "Show this message and exit." in extracted
    assert any(m.startswith("Check images or folders for catalogued emblems") for m in extracted)
    assert "Report format." in extracted


def test_translations_keep_every_placeholder():
    wrong = [(m.id, m.string) for m in _catalogue() if m.id and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong == []


def test_the_committed_mo_matches_the_po():
    with open(MO, "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    po = {m.id: m.string for m in _catalogue() if m.id and m.string}
    assert {k: compiled.gettext(k) for k in po} == po, "run: pybabel compile -d emblemcheck/locale -D emblemcheck"
    assert compiled._catalog.keys() - {""} == po.keys()  # nothing stale either


def test_no_message_is_hidden_in_an_f_string():
    # Babel cannot read calls inside f-strings on Python < 3.12: such a message would never be translated.
    hidden = [f"{path.relative_to(REPO)}:{n}" for path in (REPO / "emblemcheck").rglob("*.py")
              for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
              if re.search(r"""\bf(["'])[^"']*\{[^}]*\b_\(["']""", line)]
    assert hidden == []


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "en"),
    ({"LANG": "fr_CA.UTF-8"}, "fr"),
    ({"LANG": "en_CA.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, "fr"),
    ({"LC_ALL": "C", "LANG": "fr_CA.UTF-8"}, "en"),
    ({"LANGUAGE": "de:fr", "LANG": "en_US.UTF-8"}, "fr"),
    ({"LC_MESSAGES": "fr_CA", "LANG": "en_CA"}, "fr"),
    ({"EMBLEMCHECK_LANG": "en", "LANG": "fr_CA.UTF-8"}, "en"),
    ({"EMBLEMCHECK_LANG": "fr"}, "fr"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
])
def test_the_language_comes_from_the_environment(environ, expected):
    assert i18n.from_environment(environ) == expected


def _run(args, env=None):
    result = CliRunner().invoke(app, args, env={"EMBLEMCHECK_LANG": "", "LANGUAGE": "", "LC_ALL": "",
                                                "LC_MESSAGES": "", "LANG": "C", **(env or {})})
    i18n.set_language("en")
    return result


@pytest.fixture
def photos(home, tmp_path):
    page = photo_like(720, 1280, seed=3)
    page.paste(rendered(home, "gc-signature-en", "colour", width=420), (60, 80))
    signature = tmp_path / "banner.png"
    page.save(signature)
    return signature, jpeg(photo_like(800, 600, seed=5), tmp_path / "photo.jpg")


def test_scan_in_french(home, photos):
    signature, photo = photos
    result = _run(["--lang", "fr", "scan", str(signature), str(photo), "--home", str(home.root)])
    assert result.exit_code == 1, result.output
    assert f"{signature} : SIGNALÉ" in result.output
    assert "gc-signature-en: Signature du gouvernement du Canada (anglais d'abord) [restreint]" in result.output
    assert f"{photo} : sans emblème" in result.output
    assert "Pourquoi c'est important :" in result.output
    assert "(cité en anglais : emblemcheck n'en connaît aucun texte français sourcé)" in result.output
    assert "2 fichier(s) : 1 signalé(s), 1 sans emblème, 0 erreur(s)" in result.output


def test_the_environment_chooses_french_and_english_stays_the_default(home, photos):
    _signature, photo = photos
    french = _run(["scan", str(photo), "--home", str(home.root)], env={"LANG": "fr_CA.UTF-8"})
    assert f"{photo} : sans emblème" in french.output, french.output
    english = _run(["scan", str(photo), "--home", str(home.root)])
    assert f"{photo}: clean" in english.output, english.output


def test_machine_formats_keep_their_english_keys(home, photos):
    signature, _photo = photos
    args = ["scan", str(signature), "--format", "json", "--home", str(home.root)]
    english, french = json.loads(_run(args).output), json.loads(_run(["--lang", "fr", *args]).output)
    assert english["files"][0].keys() == french["files"][0].keys()
    first = french["files"][0]
    assert first["status"] == "flagged" and first["findings"][0]["restriction"] == "restricted"
    csv_fr = _run(["--lang", "fr", "scan", str(signature), "--format", "csv", "--home", str(home.root)]).output
    assert csv_fr.splitlines()[0] == _run(args[:3] + ["csv", "--home", str(home.root)]).output.splitlines()[0]


def test_the_html_report_in_french(home, photos):
    signature, _photo = photos
    page = _run(["--lang", "fr", "scan", str(signature), "--format", "html", "--home", str(home.root)]).output
    assert '<html lang="fr">' in page and "Rapport emblemcheck" in page and "Signalés (1)" in page
    assert "Signature du gouvernement du Canada (anglais d&#x27;abord)" in page


def test_help_in_french(home):
    top = _run(["--lang", "fr", "--help"])
    assert top.exit_code == 0 and top.output.startswith("Utilisation : "), top.output
    assert "Afficher ce message et quitter." in top.output
    scan = _run(["--lang", "fr", "scan", "--help"])
    assert "Chercher les emblèmes du catalogue dans des images ou des dossiers" in scan.output
    assert "Format du rapport." in scan.output and "[par défaut: text]" in scan.output
    by_env = _run(["catalogue", "--help"], env={"EMBLEMCHECK_LANG": "fr"})
    assert "Construire, consulter et enrichir le catalogue des emblèmes." in by_env.output
    assert "Build, inspect and extend" in _run(["catalogue", "--help"]).output


def test_errors_in_french(tmp_path):
    result = _run(["--lang", "fr", "scan", str(tmp_path / "x.png"), "-o", str(tmp_path / "missing" / "r.txt")])
    assert result.exit_code == 2
    assert "erreur : impossible d'écrire" in result.output and "n'existe pas" in result.output


def test_an_unknown_language_is_a_usage_error():
    result = _run(["--lang", "de", "--help"])
    assert result.exit_code == 2 and "--lang" in result.output


def test_browse_metadata_in_french(home):
    pytest.importorskip("datasette")
    from emblemcheck.browse.metadata import metadata

    with i18n.using("fr"):
        meta = metadata(home.catalogue_db, home.scans_db)
    scans = meta["databases"]["scans"]
    assert scans["title"] == "Historique des analyses"
    assert scans["tables"]["flagged_files"]["title"] == "Fichiers signalés"
    assert scans["tables"]["flagged_files"]["columns"]["score"] == "Confiance de la détection, de 0 à 1"
    assert scans["queries"]["near_misses"]["title"] == "Quasi-détections"
    assert "Vérifier des images" in meta["description_html"]
    assert "Armoiries du Canada" in meta["description_html"]
    assert metadata(home.catalogue_db)["databases"]["scans"]["title"] == "Scan history"


def test_rules_quote_french_only_where_a_french_text_is_known():
    from emblemcheck.rules import rules

    with i18n.using("fr"):
        item_7 = rules()["web2-item-7"].localised()
        summary = rules()["legal-protection"].localised()
    assert item_7.quote.startswith("Do not use any Government of Canada corporate symbols")
    assert item_7.title.startswith("Ligne directrice sur l'utilisation externe du Web 2.0")
    assert summary.quote.startswith("L'usage des symboles officiels") and "non une citation textuelle" in summary.source
