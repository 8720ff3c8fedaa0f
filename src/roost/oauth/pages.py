"""The HTML pages of the authorization flow: sign-in and consent, the code, errors.

Jinja2 renders them with autoescaping on, so an app's name, a state value or a
typed-in login can never become markup.
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

_SCOPE_TEXT = {
    "read": "read all your account's data",
    "write": "modify all your account's data",
    "follow": "follow, block and mute accounts for you",
    "push": "receive your push notifications",
    "profile": "read your profile only",
}

_LAYOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{% block title %}{% endblock %} - {{ instance_title }}</title>
<style>
body { font-family: system-ui, sans-serif; background: #f2f3f5; color: #1f232b; margin: 0; }
main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem;
       border-radius: .5rem; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
h1 { font-size: 1.3rem; margin-top: 0; }
label { display: block; margin: 1rem 0 .3rem; font-weight: 600; }
input[type=text], input[type=password] { width: 100%; padding: .5rem; box-sizing: border-box;
       font-size: 1rem; }
/* Authorize comes first in the markup so Enter signs in; Deny is shown on the left. */
.buttons { display: flex; flex-direction: row-reverse; gap: .5rem; margin-top: 1.5rem; }
button { flex: 1; padding: .6rem; font-size: 1rem; border-radius: .3rem; border: 1px solid #999;
         cursor: pointer; }
button.primary { background: #563acc; border-color: #563acc; color: #fff; }
.error { background: #fde8e8; color: #8a1c1c; padding: .6rem; border-radius: .3rem; }
.muted { color: #5b6270; font-size: .9rem; word-break: break-all; }
code.secret { display: block; padding: .8rem; background: #eef; word-break: break-all;
              font-size: 1.05rem; }
</style>
</head>
<body><main>{% block body %}{% endblock %}</main></body>
</html>
"""

_AUTHORIZE = """{% extends "layout.html" %}
{% block title %}Authorize {{ app_name }}{% endblock %}
{% block body %}
<h1>Authorize <strong>{{ app_name }}</strong> to use your account?</h1>
{% if app_website %}<p class="muted">{{ app_website }}</p>{% endif %}
<p>This application will be able to:</p>
<ul>
{% for scope, text in scopes %}<li><strong>{{ scope }}</strong>: {{ text }}</li>{% endfor %}
</ul>
{% if not out_of_band %}<p class="muted">You will be sent back to {{ redirect_uri }}</p>{% endif %}
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ action }}">
<input type="hidden" name="client_id" value="{{ client_id }}">
<input type="hidden" name="redirect_uri" value="{{ redirect_uri }}">
<input type="hidden" name="scope" value="{{ scope }}">
<input type="hidden" name="response_type" value="code">
{% if state is not none %}<input type="hidden" name="state" value="{{ state }}">{% endif %}
<label for="username">Email address or username</label>
<input type="text" id="username" name="username" value="{{ login }}" autocomplete="username"
       autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="buttons">
<button type="submit" name="decision" value="authorize" class="primary">
Sign in and authorize</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>
{% endblock %}
"""

_CODE = """{% extends "layout.html" %}
{% block title %}Authorization code{% endblock %}
{% block body %}
<h1>Authorization code</h1>
<p>Copy this code and paste it into <strong>{{ app_name }}</strong>:</p>
<code class="secret" id="authorization-code">{{ code }}</code>
<p class="muted">It works once and expires in ten minutes.</p>
{% endblock %}
"""

_ERROR = """{% extends "layout.html" %}
{% block title %}An error has occurred{% endblock %}
{% block body %}
<h1>An error has occurred</h1>
<p class="error" role="alert">{{ description }}</p>
{% endblock %}
"""

_env = Environment(
    loader=DictLoader(
        {
            "layout.html": _LAYOUT,
            "authorize.html": _AUTHORIZE,
            "code.html": _CODE,
            "error.html": _ERROR,
        }
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def describe_scope(scope: str) -> str:
    """A phrase saying what a scope lets the app do."""
    if scope in _SCOPE_TEXT:
        return _SCOPE_TEXT[scope]
    verb, _, noun = scope.partition(":")
    return f"{'read' if verb == 'read' else 'change'} your {noun}"


def authorize_page(
    *,
    instance_title: str,
    action: str,
    app_name: str,
    app_website: str | None,
    client_id: str,
    redirect_uri: str,
    out_of_band: bool,
    scopes: list[str],
    state: str | None,
    login: str = "",
    error: str | None = None,
) -> str:
    return _env.get_template("authorize.html").render(
        instance_title=instance_title,
        action=action,
        app_name=app_name,
        app_website=app_website,
        client_id=client_id,
        redirect_uri=redirect_uri,
        out_of_band=out_of_band,
        scope=" ".join(scopes),
        scopes=[(scope, describe_scope(scope)) for scope in scopes],
        state=state,
        login=login,
        error=error,
    )


def code_page(*, instance_title: str, app_name: str, code: str) -> str:
    return _env.get_template("code.html").render(
        instance_title=instance_title, app_name=app_name, code=code
    )


def error_page(*, instance_title: str, description: str) -> str:
    return _env.get_template("error.html").render(
        instance_title=instance_title, description=description
    )
