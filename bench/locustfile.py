"""The people of bench/load, for locust: innovation leads writing and national teams reading,
each thinking between steps as people do.

A lead signs in once, then goes round: home, the barrier register, log a barrier, edit it,
record an action on it, move one of their adoptions a stage. A national user signs in once,
then reads: every dashboard with varied filters, the register, a CSV and the API.

Settings come from bench/load through the environment: LOAD_LEADS (how many lead accounts,
`loadlead01`…), LOAD_PASSWORD, LOAD_INNOVATIONS and LOAD_REGIONS (comma-separated, for
filters), LOAD_THINK ("2,10": seconds between steps) and LOAD_ACKS (a file for the count of
acknowledged writes, written when the run ends).
"""

import itertools
import json
import os
import random
import re
from collections import Counter

import requests
from locust import HttpUser, between, events, task
from stack import Forms

THINK = [float(s) for s in os.environ.get("LOAD_THINK", "2,10").split(",")]
PASSWORD = os.environ.get("LOAD_PASSWORD", "spreadwatch-demo")
LEADS = int(os.environ.get("LOAD_LEADS", "40"))
INNOVATIONS = os.environ.get("LOAD_INNOVATIONS", "1").split(",")
REGIONS = os.environ.get("LOAD_REGIONS", "Y56").split(",")
EDITED = "[edited under load]"

ACKNOWLEDGED = Counter()  # writes the app acknowledged (redirected after saving), by kind
REFUSED = Counter()  # writes answered with the form again (a validation error), by kind
_accounts = itertools.count(1)


@events.quitting.add_listener
def _write_acknowledged(environment, **kwargs):
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "w") as handle:
            json.dump({"acknowledged": ACKNOWLEDGED, "refused": REFUSED}, handle)


class LoopbackJar(requests.cookies.RequestsCookieJar):
    """Keeps the app's cookies as a browser behind TLS would: production marks them Secure,
    and on loopback there is no TLS to send them over."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Person(HttpUser):
    abstract = True
    wait_time = between(*THINK)

    def on_start(self):
        # The TLS proxy of a deployment is played by the header and the jar.
        self.client.cookies = LoopbackJar()
        self.client.headers["X-Forwarded-Proto"] = "https"
        page = self.client.get("/accounts/login/", name="sign in (form)")
        self.post("/accounts/login/", self.username(), name="sign in", page=page.text)

    def post(self, path, data, *, name, page, field="csrfmiddlewaretoken"):
        """Post `data` with the page's CSRF token, as the browser would from that page."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        referer = self.host.replace("http://", "https://") + path
        response = self.client.post(
            path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": referer},
            allow_redirects=False,
            name=name,
        )
        if response.status_code in (301, 302, 303):
            ACKNOWLEDGED[name] += 1
        elif response.status_code < 500:
            REFUSED[name] += 1
        return response


class Lead(Person):
    """An innovation lead at one trust (accounts `loadlead01`…), logging and working barriers."""

    weight = 4

    def username(self):
        self.account = f"loadlead{(next(_accounts) - 1) % LEADS + 1:02d}"
        return {"username": self.account, "password": PASSWORD}

    @task
    def round(self):
        home = self.client.get("/", name="home").text
        self.wait()
        self.client.get("/barriers/?status=open", name="register")
        self.wait()
        barrier = self.log_barrier()
        if barrier:
            self.wait()
            self.edit_barrier(barrier)
            self.wait()
            self.record_action(barrier)
        self.wait()
        self.move_stage(home)

    def log_barrier(self):
        page = self.client.get("/barriers/new/", name="log a barrier (form)").text
        form = Forms(page).having("description")
        fields = form["fields"] | {
            "innovation": random.choice([v for v in form["choices"]["innovation"] if v]),
            "category": random.choice(form["choices"]["category"]),
            "severity": random.choice(["1", "2", "3", "4"]),
            "description": f"Logged under load by {self.account}.",
            "status": "open",
        }
        saved = self.post("/barriers/new/", fields, name="log a barrier (save)", page=page)
        found = re.search(r"/barriers/([0-9a-f]{16})/", saved.headers.get("Location", ""))
        return found.group(1) if found else None

    def edit_barrier(self, barrier):
        path = f"/barriers/{barrier}/edit/"
        page = self.client.get(path, name="edit a barrier (form)").text
        fields = Forms(page).having("description")["fields"]
        fields["description"] = f"{fields['description'].strip()} {EDITED}"
        self.post(path, fields, name="edit a barrier (save)", page=page)

    def record_action(self, barrier):
        path = f"/barriers/{barrier}/actions/new/"
        page = self.client.get(path, name="record an action (form)").text
        form = Forms(page).having("owner")
        fields = form["fields"] | {
            "enabler_type": random.choice(form["choices"]["enabler_type"]),
            "owner": "Innovation lead",
            "outcome": "in_progress",
        }
        self.post(path, fields, name="record an action (save)", page=page)

    def move_stage(self, home):
        adoptions = re.findall(r'href="(/adoptions/\d+/)"', home)
        if not adoptions:
            return
        path = random.choice(adoptions)
        page = self.client.get(path, name="move a stage (form)").text
        form = Forms(page).having("stage")
        shown = re.search(r">Stage</dt>.*?<strong[^>]*>([^<]+)</strong>", page, re.S)
        current = re.search(rf'value="(\w+)">\s*<label[^>]*>{re.escape(shown.group(1))}<', page)
        others = [v for v in form["choices"]["stage"] if v and v != current.group(1)]
        if others:
            fields = form["fields"] | {"stage": random.choice(others)}
            self.post(path, fields, name="move a stage (save)", page=page)


DASHBOARDS = {
    "Spread": "/dashboard/",
    "Barriers": "/dashboard/barriers/",
    "Savings elsewhere": "/dashboard/savings/",
    "What worked": "/dashboard/what-worked/",
}


class National(Person):
    """A national team member (the demo's `national`), reading across every organisation."""

    weight = 1

    def username(self):
        return {"username": "national", "password": PASSWORD}

    def filters(self):
        return random.choice(
            [
                "",
                f"region={random.choice(REGIONS)}",
                f"innovation={random.choice(INNOVATIONS)}",
                f"region={random.choice(REGIONS)}&category=savings-land-elsewhere",
                "group_by=icb",
            ]
        )

    @task(6)
    def dashboard(self):
        name, path = random.choice(list(DASHBOARDS.items()))
        query = self.filters()
        if query == "group_by=icb" and name in ("Savings elsewhere", "What worked"):
            query = ""
        self.client.get(f"{path}?{query}", name=f"dashboard: {name}")

    @task(2)
    def innovation(self):
        innovation = random.choice(INNOVATIONS)
        self.client.get(f"/dashboard/innovations/{innovation}/", name="dashboard: Innovation")

    @task(2)
    def register(self):
        self.client.get(
            f"/barriers/?region={random.choice(REGIONS)}&status=open", name="register (national)"
        )

    @task(1)
    def csv(self):
        self.client.get("/dashboard/barriers/?download=ranking", name="CSV: a dashboard table")

    @task(2)
    def api(self):
        path = random.choice(
            [
                f"/api/v1/barriers/?region={random.choice(REGIONS)}",
                f"/api/v1/adoptions/?innovation={random.choice(INNOVATIONS)}",
                "/api/v1/dashboards/spread/",
            ]
        )
        self.client.get(path, name="API")


class Healthz(HttpUser):
    """The trivial page, alone: the ceiling of the stack (run on its own by bench/load)."""

    wait_time = between(0, 0)

    @task
    def healthz(self):
        self.client.get("/healthz", name="/healthz")
