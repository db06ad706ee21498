"""Email templates: HTML + plaintext pairs listed in a registry file.

The built-in templates live in ``email_api/templates``: ``registry.yaml`` lists each
template with its default subject and its parameters, and ``<name>.txt.j2`` /
``<name>.html.j2`` hold the bodies. An operator's directory (``templates_dir``) may
hold a ``registry.yaml`` and files of its own: its files replace the built-in ones of
the same name, its registry entries override a built-in entry key by key (and its
parameters one by one) or add new templates, so a site can reword one template or
change one subject without copying the rest.

Rendering is strict: Jinja2 ``StrictUndefined`` (a misspelt variable is an error,
not an empty string), a missing required or an unknown parameter is an error naming
the template and the parameter, and HTML is autoescaped, so resource names are data
and never markup. HTML bodies are wrapped in ``_wrapper.html.j2`` (greeting,
signature, footer) and their CSS is inlined with css-inline, because mail clients
drop ``<style>`` blocks. Plaintext bodies get the same greeting and footer from
``_wrapper.txt.j2``. Templates run in Jinja's sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import jsonschema
import yaml
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from pack_common import ConfigError

BUILTIN_DIR = Path(__file__).resolve().parent / "templates"
REGISTRY_FILE = "registry.yaml"
HTML_WRAPPER = "_wrapper.html.j2"
TEXT_WRAPPER = "_wrapper.txt.j2"

_PARAMETER_SCHEMA = {
    "type": "object",
    "properties": {
        "description": {"type": "string"},
        "required": {"type": "boolean"},
        "default": {},
    },
    "additionalProperties": False,
}
_PARAMETERS_SCHEMA = {
    "type": "object",
    "propertyNames": {"pattern": "^[a-z_][a-z0-9_]*$"},
    "additionalProperties": _PARAMETER_SCHEMA,
}
REGISTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "common_parameters": _PARAMETERS_SCHEMA,
        "templates": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "subject": {"type": "string", "minLength": 1},
                    "parameters": _PARAMETERS_SCHEMA,
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


class TemplateError(ConfigError):
    """A template is missing, broken, or was given the wrong parameters; the message
    names the template (and the parameter, when one is at fault)."""


@dataclass(frozen=True)
class ParameterSpec:
    """One template parameter: required, or optional with a default."""

    name: str
    description: str = ""
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class TemplateSpec:
    """A registry entry: the subject template and the parameters (common ones
    included; a template's own definition of a common parameter wins)."""

    name: str
    subject: str
    description: str
    parameters: Mapping[str, ParameterSpec]

    def describe(self) -> dict[str, Any]:
        """JSON form, for listing templates to operators."""
        return {
            "name": self.name,
            "description": self.description,
            "subject": self.subject,
            "parameters": {
                p.name: (
                    {"required": True}
                    if p.required
                    else {"required": False, "default": p.default}
                )
                | {"description": p.description}
                for p in self.parameters.values()
            },
        }


@dataclass(frozen=True)
class RenderedEmail:
    """The subject and bodies of one message; ``html`` is None for plaintext only."""

    template: str
    subject: str
    text: str
    html: str | None


def _read_registry(path: Path) -> dict[str, Any]:
    """Load and schema-check one registry file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"template registry {path}: cannot be read: {exc}") from exc
    try:
        jsonschema.validate(data, REGISTRY_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise TemplateError(
            f"template registry {path}: at {where}: {exc.message}"
        ) from None
    return data


def _parameters(
    template: str, raw: Mapping[str, Any], source: Path
) -> dict[str, ParameterSpec]:
    """Parameter specs from registry YAML; each is required or has a default."""
    specs: dict[str, ParameterSpec] = {}
    for name, spec in raw.items():
        required = bool(spec.get("required", False))
        if required == ("default" in spec):
            raise TemplateError(
                f"template registry {source}: template {template!r} parameter "
                f"{name!r} must be either required or have a default"
            )
        specs[name] = ParameterSpec(
            name=name,
            description=spec.get("description", ""),
            required=required,
            default=spec.get("default"),
        )
    return specs


def _autoescape(template_name: str | None) -> bool:
    """Autoescape HTML templates only (plaintext and subjects stay as written)."""
    return template_name is not None and template_name.endswith((".html.j2", ".html"))


class TemplateRegistry:
    """The templates available to the pack: the built-in ones, overridden by name
    by those in ``override_dir`` when given."""

    def __init__(self, override_dir: str | Path | None = None) -> None:
        self.override_dir = Path(override_dir) if override_dir else None
        search = [BUILTIN_DIR]
        if self.override_dir is not None:
            if not self.override_dir.is_dir():
                raise TemplateError(
                    f"templates_dir {str(self.override_dir)!r} is not a directory"
                )
            search.insert(0, self.override_dir)
        self._env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in search]),
            undefined=jinja2.StrictUndefined,
            autoescape=_autoescape,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._specs = self._load_specs()

    def _load_specs(self) -> dict[str, TemplateSpec]:
        """Merge the built-in registry with the operator's, entry by entry."""
        sources = [BUILTIN_DIR / REGISTRY_FILE]
        if self.override_dir and (self.override_dir / REGISTRY_FILE).is_file():
            sources.append(self.override_dir / REGISTRY_FILE)
        common: dict[str, ParameterSpec] = {}
        entries: dict[str, tuple[dict[str, Any], Path]] = {}
        for source in sources:
            data = _read_registry(source)
            common.update(
                _parameters("(common)", data.get("common_parameters", {}), source)
            )
            for name, entry in (data.get("templates") or {}).items():
                # An operator entry overrides the built-in one key by key, and
                # its parameters one by one.
                base = entries.get(name, ({}, source))[0]
                merged = {**base, **entry}
                merged["parameters"] = {
                    **(base.get("parameters") or {}),
                    **(entry.get("parameters") or {}),
                }
                entries[name] = (merged, source)
        specs: dict[str, TemplateSpec] = {}
        for name, (entry, source) in entries.items():
            if "subject" not in entry:
                raise TemplateError(
                    f"template registry {source}: template {name!r} has no subject"
                )
            specs[name] = TemplateSpec(
                name=name,
                subject=entry["subject"],
                description=entry.get("description", ""),
                parameters=common
                | _parameters(name, entry.get("parameters") or {}, source),
            )
        return specs

    def names(self) -> list[str]:
        """Every template name, sorted."""
        return sorted(self._specs)

    def spec(self, name: str) -> TemplateSpec:
        """The registry entry of ``name``."""
        try:
            return self._specs[name]
        except KeyError:
            raise TemplateError(
                f"no email template {name!r} (known: {', '.join(self.names())})"
            ) from None

    def check(self) -> None:
        """Load every template file, so a broken or missing one is found before a
        campaign starts rather than at its first message."""
        for name in self.names():
            for suffix in (".txt.j2", ".html.j2"):
                self._template(name, name + suffix)
        for wrapper in (HTML_WRAPPER, TEXT_WRAPPER):
            self._template(wrapper, wrapper)

    def render(
        self,
        name: str,
        parameters: Mapping[str, Any],
        *,
        as_html: bool = True,
        subject: str | None = None,
    ) -> RenderedEmail:
        """Render template ``name``: subject (``subject`` replaces the registry's
        and is used literally), plaintext body, and the HTML body when ``as_html``."""
        spec = self.spec(name)
        values = self._bind(spec, parameters)
        if subject is None:
            subject = self._run(name, self._env.from_string(spec.subject), values)
        subject = " ".join(subject.split())
        if not subject:
            raise TemplateError(f"template {name!r}: the subject is empty")
        context = {**values, "subject": subject}
        text_body = self._run(name, self._template(name, f"{name}.txt.j2"), context)
        text = self._run(
            name,
            self._template(name, TEXT_WRAPPER),
            {**context, "body": text_body},
        )
        html = None
        if as_html:
            html_body = self._run(
                name, self._template(name, f"{name}.html.j2"), context
            )
            page = self._run(
                name,
                self._template(name, HTML_WRAPPER),
                {**context, "body": Markup(html_body)},
            )
            html = self._inline_css(name, page)
        return RenderedEmail(template=name, subject=subject, text=text, html=html)

    @staticmethod
    def _bind(spec: TemplateSpec, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters with defaults filled in; missing or unknown ones are errors."""
        unknown = sorted(set(parameters) - set(spec.parameters))
        if unknown:
            raise TemplateError(
                f"template {spec.name!r}: unknown parameter "
                + ", ".join(repr(u) for u in unknown)
                + f" (known: {', '.join(spec.parameters)})"
            )
        values: dict[str, Any] = {}
        for pname, pspec in spec.parameters.items():
            if pname in parameters:
                values[pname] = parameters[pname]
            elif pspec.required:
                raise TemplateError(
                    f"template {spec.name!r}: missing required parameter {pname!r}"
                )
            else:
                values[pname] = pspec.default
        return values

    def _template(self, name: str, filename: str) -> jinja2.Template:
        """Load ``filename`` (operator directory first) for template ``name``."""
        try:
            return self._env.get_template(filename)
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"template {name!r}: file {filename} not found"
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"template {name!r}: {exc.filename or filename} line {exc.lineno}: "
                f"{exc.message}"
            ) from None

    @staticmethod
    def _run(name: str, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        """Render, naming the template in any error (e.g. an undefined variable)."""
        try:
            return template.render(context)
        except jinja2.TemplateError as exc:
            where = f" ({template.name})" if template.name else " (subject)"
            raise TemplateError(f"template {name!r}{where}: {exc}") from None

    @staticmethod
    def _inline_css(name: str, html: str) -> str:
        """Move ``<style>`` rules into ``style`` attributes; never fetch remote CSS."""
        try:
            return css_inline.inline(html, load_remote_stylesheets=False)
        except css_inline.InlineError as exc:
            raise TemplateError(
                f"template {name!r}: CSS inlining failed: {exc}"
            ) from None


@cache
def _registry(override_dir: str | None) -> TemplateRegistry:
    """Registries are immutable once loaded; share one per directory."""
    return TemplateRegistry(override_dir)


def get_registry(override_dir: str | Path | None = None) -> TemplateRegistry:
    """The (cached) registry for ``override_dir`` (None: built-in templates only)."""
    return _registry(str(override_dir) if override_dir else None)
