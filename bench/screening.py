"""Screening speed: the CPU time `socialpub.safety.screening.screen` takes for 10,000 comments (bar: well under
a second, here at most 0.5 s).

    python bench/screening.py [--comments 10000] [--seed 13] [--repeat 5] [--input FILE]

The comments are generated (deterministic for a seed) from pieces modelled on replies to pharmaceutical posts:
mostly praise, emoji, tags and off-topic talk, then side effects told in many ways, questions, complaints,
health information, jokes, other languages, misspellings, hidden characters and look-alike letters, and a few
long rants. `--input FILE` screens the lines of a file instead (one comment per line). The lexicon is built
once (its time is reported apart, as `watch` builds it once per run); each repeat screens every comment once,
in one process, and the CPU time (`time.process_time`) of the median repeat is the figure. The first repeat is
reported too: it fills the caches of text that recurs (look-alike folding, near spellings).

Writes its section of docs/benchmarks.md (between `<!-- screening:start -->` and `<!-- screening:end -->`;
the rest of the file is left alone) and prints a summary. Exit status: 0 the bar holds, 1 it does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# Imports below read and write bytecode as an installed copy does, whatever the environment says.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from sections import replace_section  # noqa: E402

from socialpub.safety.screening import CATEGORIES, lexicon, screen  # noqa: E402

BAR_SECONDS = 0.5
PRODUCTS = {
    "zyntrava": {"brand": "Zyntrava", "established": "velotinib", "aliases": ["ZYN"]},
    "oncavix": {"brand": "ONCAVIX", "established": "tivaranib"},
}

# --- the pieces of generated comments --------------------------------------------------------------------

PRAISE = ["Love this!", "Great post 👍", "So informative, thank you", "This is so wholesome 😊", "🔥🔥🔥",
          "Thanks for sharing", "Beautiful video", "Well said.", "❤️❤️", "Amazing work team", "first!",
          "Congrats on the approval!", "Sharing with my sister", "Such an important message 🙏",
          "Happy Friday everyone", "Can't wait for the webinar", "Great to see this awareness campaign"]
OFF_TOPIC = ["Big pharma only cares about money", "What's the song in this video?", "who designed this? gorgeous",
             "Follow @healthdaily for more tips", "lol the guy in the back", "Why is it so expensive in the US?",
             "@AstraZeneca please hire me", "Is this available in Canada yet", "check out https://example.com/deal",
             "Sure, another 'miracle' drug. Yeah right 🙄", "Posting from my phone, sorry for typos",
             "The weather here is terrible today", "this ad gave me a headache lol", "I'm sick of these ads 😂"]
WHO = ["I", "My mom", "My husband", "My wife", "My dad", "My son", "My daughter", "My friend Anna", "Grandma",
       "My 8 year old", "My sister", "My neighbour", "My partner"]
WHEN = ["after the first dose", "since starting Zyntrava", "two days into velotinib", "after taking it",
        "since my second shot", "on this drug", "ever since the switch to ZYN", "after the injection", "",
        "on Zyntrava", "with these pills", "after using the inhaler"]
EVENTS = ["terrible headaches", "dizziness", "a rash all over", "nausea every morning", "hives", "diarrhea",
          "insomnia", "heart palpitations", "blurry vision", "swollen ankles", "hair loss", "stomach cramps",
          "nosebleeds", "mood swings", "a metallic taste", "chest pain", "joint pain", "fatigue", "migranes",
          "dizzyness", "vommiting", "tingling in my hands", "night sweats", "brain fog"]
TOLD = ["{who} got {event} {when}", "{who} had {event} {when}.", "{event} {when}. Is that normal?",
        "Anyone else get {event} {when}?", "Zyntrava gave {whom} {event}", "{event} for days {when} 😩",
        "{who} ended up in the ER with {event} {when}", "Thanks Zyntrava for the {event} 🙄",
        "{who} has been dealing with {event} {when}, not sure what to do"]
SITUATIONS = ["I'm pregnant and took Zyntrava before I knew", "took two by mistake this morning",
              "didn't work at all for me", "no relief after a month, waste of money",
              "my toddler got into my pills", "I've been using it for weight loss", "took too many yesterday",
              "Breastfeeding and used the inhaler, is that ok?", "It stopped working after 2 months"]
DENIED = ["No side effects for me!", "Never had any headache on it", "Zero nausea so far 🙌",
          "Not a single side effect in 6 months", "didn't get dizzy at all"]
QUESTIONS = ["Does it cause headaches?", "Can I take it with alcohol?", "Is Zyntrava safe while breastfeeding?",
             "How long does it take to work?", "What if I get a rash?", "Should I take it with food?",
             "Does zyntrava interact with metformin", "Is it ok for kids?", "What's the max dose per day?",
             "Can it make you dizzy?"]
COMPLAINTS = ["My inhaler is broken, nothing comes out", "The cap won't open", "two doses missing from the pack",
              "pills are a different color this month??", "the dose counter is stuck", "the seal was broken"]
HEALTH = ["I was diagnosed with asthma last year", "My son has had asthma since he was 2",
          "I'm a type 2 diabetic", "my mom is fighting stage 4 cancer 💪", "Living with COPD is hard",
          "I've been on Zyntrava for 2 years now"]
FOREIGN = ["Zyntrava me dio dolor de cabeza y mareos", "Depuis Zyntrava j'ai des vertiges",
           "Ich habe seit Zyntrava Kopfschmerzen", "¿Puedo tomar Zyntrava con alcohol?", "Zyntrava 吃了以后头疼",
           "Muy buen video, gracias", "Merci pour l'info", "Danke für den Beitrag"]
DISGUISES = [("a", "\u0430"), ("e", "\u0435"), ("o", "\u03bf"), ("", "\u200b"), ("", "\u00ad")]


def _disguise(rng: random.Random, text: str) -> str:
    """A look-alike letter or an invisible character in one word (as spam and evasion do)."""
    plain, hidden = rng.choice(DISGUISES)
    if plain and plain in text:
        at = text.index(plain)
        return text[:at] + hidden + text[at + 1:]
    at = rng.randrange(len(text) + 1)
    return text[:at] + hidden + text[at:]


def _one(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        text = rng.choice(PRAISE + OFF_TOPIC)
    elif roll < 0.62:
        who = rng.choice(WHO)
        text = rng.choice(TOLD).format(who=who, whom="me" if who == "I" else who.lower(),
                                       event=rng.choice(EVENTS), when=rng.choice(WHEN)).replace("  ", " ")
    elif roll < 0.67:
        text = rng.choice(SITUATIONS)
    elif roll < 0.72:
        text = rng.choice(DENIED)
    elif roll < 0.81:
        text = rng.choice(QUESTIONS)
    elif roll < 0.85:
        text = rng.choice(COMPLAINTS)
    elif roll < 0.90:
        text = rng.choice(HEALTH)
    else:
        text = rng.choice(FOREIGN)
    if rng.random() < 0.08:  # a longer comment: a few sentences of any kind
        text = " ".join([text, *(rng.choice(PRAISE + OFF_TOPIC + HEALTH + DENIED) for _ in range(rng.randint(2, 8)))])
    if rng.random() < 0.003:  # a rant of a few thousand characters
        text = " ".join(rng.choice(OFF_TOPIC + PRAISE + HEALTH) for _ in range(60)) + " " + text
    if rng.random() < 0.05:
        text = _disguise(rng, text)
    if rng.random() < 0.1:
        text = text.lower()
    return text


def comments(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [_one(rng) for _ in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--input", type=Path, help="screen the lines of this file instead of generated comments")
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)

    if args.input:
        texts = args.input.read_text(encoding="utf-8").splitlines()
        source = f"the {len(texts):,} lines of {args.input.name}"
    else:
        texts = comments(args.comments, args.seed)
        source = f"{len(texts):,} generated comments (seed {args.seed})"
    posts = [("zyntrava",) if i % 3 else () for i in range(len(texts))]  # a third answer posts about no product

    started = time.process_time()
    lex = lexicon(PRODUCTS)
    build = time.process_time() - started

    runs = []
    results = []
    for _ in range(max(1, args.repeat)):
        started = time.process_time()
        results = [screen(text, lex, post_products=post) for text, post in zip(texts, posts, strict=True)]
        runs.append(time.process_time() - started)
    median = statistics.median(runs)
    rate = len(texts) / median if median else float("inf")
    by_class = Counter(r.category for r in results)
    queued = sum(r.needs_person for r in results)
    chars = sum(map(len, texts))
    ok = median <= BAR_SECONDS * len(texts) / 10_000
    limit = f"≤ {BAR_SECONDS * len(texts) / 10_000:.2f} s"
    verdict = "pass" if ok else "**FAIL**"

    body = f"""## Screening comments

`python bench/screening.py` — `socialpub.safety.screening.screen` over {source}: {chars / len(texts):.0f}
characters on average, the longest {max(map(len, texts)):,}; a third answer a post about no product. One
process, the lexicon built once ({build * 1000:.0f} ms of CPU, two products), then {len(runs)} passes over every
comment; CPU time by `time.process_time`. Machine: {platform.processor() or platform.machine()},
{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the end: CPU time grows on a busy machine),
Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}.

| bar | measured | limit | result |
|---|---|---|---|
| CPU to screen {len(texts):,} comments (median pass) | {median:.3f} s = {rate:,.0f} comments/s | {limit} | {verdict} |

Passes: {', '.join(f'{r:.3f} s' for r in runs)} (the first fills the caches of recurring text).
Classes found: {', '.join(f'{c} {by_class[c]:,}' for c in CATEGORIES)}; queued for a person: {queued:,}.
"""
    replace_section(args.report, "screening", body)
    print(f"screening: {median:.3f} s CPU for {len(texts):,} comments ({rate:,.0f}/s), bar {BAR_SECONDS} s: "
          f"{'pass' if ok else 'FAIL'}; written to {args.report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
