"""The word lists of screening (socialpub.safety.screening), written for this project in everyday words.

Terms are matched case- and accent-insensitively on word boundaries, after hidden characters are dropped and
look-alike letters folded (as the compliance rules read text); whitespace in a term matches any run of
whitespace and a straight apostrophe matches a curly one. A trailing `*` matches any word ending. Common
misspellings are listed as words of their own. `[safety] event_words` and `situation_words` in channels.toml
add to these lists; nothing here is product-specific.
"""

from __future__ import annotations

from socialpub.situations import SITUATIONS

# Symptoms and side effects as people write them (English, then a few Spanish, French and German words).
EVENT: tuple[str, ...] = (
    # the generic words
    "side effect", "side effects", "side-effect", "side-effects", "sideeffects", "adverse reaction",
    "adverse event", "bad reaction", "a reaction to", "had a reaction", "reaction to it", "allergic reaction",
    "allergic", "alergic",
    "allergy", "anaphylaxis", "anaphylactic", "anaphalaxis",
    # head
    "headache", "headaches", "head ache", "head aches", "headach", "hedache", "headahce", "migraine",
    "migraines", "migrane", "migranes", "migrain", "head pain", "head is pounding", "pounding head",
    "dizzy", "dizziness", "dizzyness", "dizzey", "dizy", "lightheaded", "light-headed", "light headed",
    "vertigo", "room spinning", "room was spinning", "woozy", "faint", "fainted", "fainting", "passed out",
    "blacked out", "blackout", "brain fog", "foggy", "confused", "confusion", "memory loss", "forgetful",
    "seizure", "seizures", "seizers", "convulsion", "convulsions", "tremor", "tremors",
    "shaking", "shaky", "the shakes", "jittery", "twitching", "numb", "numbness", "tingling", "tingly",
    "pins and needles", "blurry vision", "blurred vision", "vision went blurry", "double vision",
    "ringing in my ears", "ringing ears", "tinnitus", "stroke", "slurred speech",
    # stomach
    "nausea", "nauseous", "nauseated", "nausious", "nauseus", "nausia", "nasea", "queasy", "sick to my stomach",
    "threw up", "throwing up", "throw up", "thrown up", "vomit", "vomited", "vomiting", "vomitting",
    "vommiting", "vomitted", "puke", "puked", "puking", "barfing", "diarrhea", "diarrhoea", "diarea",
    "diarhea", "diarrea", "the runs", "loose stools", "constipation", "constipated", "stomach ache",
    "stomachache", "stomach aches", "stomach pain", "stomach cramps", "tummy ache", "belly ache",
    "abdominal pain", "cramps", "cramping", "bloating", "bloated", "gassy", "heartburn", "acid reflux",
    "reflux", "indigestion", "upset stomach", "upsets my stomach", "upset my stomach", "stomach upset",
    "lost my appetite", "no appetite", "loss of appetite", "metallic taste",
    "dry mouth", "mouth sores", "mouth ulcers",
    # skin
    "uti", "utis", "urinary tract infection", "rash", "rashes", "hives", "itch", "itchy", "itching", "itchey",
    "welts", "broke out", "breakout",
    "breakouts", "acne", "blisters", "blister", "peeling", "skin peeling", "red skin", "redness",
    "swelling", "swollen", "swolen", "swelled up", "puffy", "bruising", "bruises", "bruise", "bleeding",
    "bled", "nosebleed", "nosebleeds", "nose bleeds", "hair loss", "hair falling out", "losing my hair",
    "lost my hair", "hair thinning", "thinning hair", "sunburn", "burning", "injection site",
    "sore arm", "arm was sore", "lump", "sweating", "sweats", "night sweats", "hot flashes", "hot flushes",
    "jaundice", "yellow skin", "yellow eyes",
    # body
    "tired", "so tired", "exhausted", "exhaustion", "fatigue", "fatigued", "fatige", "drowsy", "drowsiness",
    "sleepy", "no energy", "wiped out", "weak", "weakness", "insomnia", "insomina", "can't sleep",
    "cant sleep", "couldn't sleep", "couldnt sleep", "nightmares", "vivid dreams", "fever", "fevers",
    "chills", "flu-like", "flu like", "aches", "achy", "body aches", "joint pain", "joint pains",
    "muscle pain", "muscle aches", "muscle cramps", "back pain", "chest pain", "chest tightness", "chest got tight",
    "tight chest", "pain", "painful", "hurts", "hurt", "sore", "soreness", "short of breath",
    "shortness of breath", "out of breath", "can't breathe", "cant breathe", "couldn't breathe",
    "trouble breathing", "hard to breathe", "wheezing", "wheezy", "coughing", "cough", "heart racing",
    "racing heart", "heart pounding", "palpitations", "palpatations", "heart palpitations", "irregular heartbeat",
    "high blood pressure", "blood pressure went up", "blood pressure spiked", "low blood pressure",
    "high blood sugar", "low blood sugar", "blood sugar spiked", "blood sugar went up", "blood sugar dropped",
    "weight gain", "gained weight", "gaining weight", "put on weight", "putting on weight", "gained 10 pounds",
    "heart attack",
    "blood clot", "blood clots", "clot", "kidney pain", "dark urine", "peeing blood", "blood in my urine",
    "infection", "infections", "thrush", "yeast infection", "low libido", "sex drive", "erectile",
    "spotting", "missed my period", "heavy periods",
    # mood
    "anxiety", "anxious", "panic attack", "panic attacks", "depressed", "depression", "suicidal",
    "mood swings", "moody", "irritable", "hallucinations", "hallucinating", "felt like dying",
    # how people say it
    "felt awful", "feel awful", "felt terrible", "feel terrible", "felt horrible", "feel horrible",
    "felt sick", "feel sick", "feeling sick", "got sick", "made me sick", "so sick", "violently ill",
    "unwell", "felt like crap", "feel like crap", "felt like death", "like a zombie", "not myself",
    "hospital", "hospitalized", "hospitalised", "the er", "emergency room", "a&e", "ambulance", "icu",
    "sick", "sick the whole time", "fell", "fell down", "fell over", "falls", "fall", "falling", "aggressive",
    "aggression", "agitated", "rage", "angry all the time", "not himself", "not herself", "personality change",
    "drained", "so drained", "tastes like metal", "metal taste", "seeing spots", "seeing stars", "seeing double",
    "sneezing", "burning eyes", "eyes are burning", "thirsty", "so thirsty", "dehydrated", "peeing a lot",
    "frequent urination", "knocked me out", "knocked me flat", "wiped me out", "floored me", "bedridden",
    "laid up", "out of commission", "hiccups", "hiccup", "skip beats", "skipped beats", "skipping beats",
    "heart skipping", "skipped a beat", "black and blue", "turned black", "turned purple",
    "bruised", "shingles", "night terrors", "ringing in my ear", "ache",
    "ached", "fog",
    "tastes like cardboard", "everything tastes", "tastes weird", "taste is off", "a different person",
    "not the same person", "snap at",
    "snapping at", "mood changes",
    "flare", "flares", "flared", "flare up", "flare-up", "flare ups", "flared up", "palps", "heart palps", "shedding",
    "hair shedding", "asthma attack", "asthma attacks", "an attack",
    "sense of smell", "sense of taste", "lost my taste",
    "lost my smell",
    "can't taste", "can't smell", "cant taste", "cant smell", "hoarse", "hoarseness", "losing my voice",
    "lost my voice",
    "died", "passed away", "death", "dying", "killed", "killing me", "nearly killed", "almost killed",
    "almost died", "nearly died", "worse", "got worse", "getting worse", "made it worse", "getting sick",
    "get sick", "gets sick", "liver damage", "liver problems", "liver enzymes", "kidney damage",
    "kidney problems", "sugar levels", "sugars went", "lost weight", "losing weight", "weight loss",
    # Spanish
    "dolor de cabeza", "mareo", "mareos", "mareada", "mareado", "nauseas", "vomito", "vomitos", "vomitando",
    "diarrea", "sarpullido", "erupcion", "picazon", "comezon", "cansancio", "cansada", "cansado", "fiebre",
    "efectos secundarios", "efecto secundario", "hinchazon", "dolor",
    # French
    "mal de tete", "maux de tete", "vertiges", "vertige", "nausee", "nausees", "vomissements", "diarrhee",
    "eruption", "demangeaisons", "fatiguee", "fievre", "effets secondaires", "effet secondaire", "douleur",
    "douleurs", "malade",
    # emoji of being unwell: nauseated, vomiting, feverish, hurt, dizzy, overheated, freezing
    "\U0001f922", "\U0001f92e", "\U0001f912", "\U0001f915", "\U0001f635", "\U0001f975", "\U0001f976",
    # Portuguese and Italian
    "dor de cabeca", "tontura", "tonturas", "enjoo", "diarreia", "coceira", "febre", "efeitos colaterais",
    "efeito colateral", "mal di testa", "vertigini", "capogiri", "prurito", "febbre", "effetti collaterali",
    "effetto collaterale", "eruzione cutanea",
    # German
    "kopfschmerzen", "kopfschmerz", "schwindel", "schwindelig", "ubelkeit", "erbrechen", "durchfall",
    "ausschlag", "juckreiz", "mudigkeit", "mude", "fieber", "nebenwirkung", "nebenwirkungen", "schmerzen",
)

# The words of the special situations PV wants even without a classic side effect (their names:
# socialpub.situations; every name has its words, checked below).
SITUATION_WORDS: dict[str, tuple[str, ...]] = {
    "pregnancy": (
        "pregnant", "pregnancy", "preggers", "prego", "expecting a baby", "months along", "weeks along", "my ob",
        "my obgyn", "my ob/gyn", "due date", "baby bump", "first trimester", "second trimester",
        "third trimester", "trimester", "weeks pregnant", "trying to conceive", "ttc", "conceived",
        "miscarriage", "miscarried", "birth defect", "birth defects", "embarazada", "embarazo", "enceinte",
        "grossesse", "schwanger", "schwangerschaft",
    ),
    "breastfeeding": (
        "breastfeeding", "breast feeding", "breast-feeding", "breastfeed", "breastfed", "nursing my baby",
        "nursing my son", "nursing my daughter", "nursing my newborn", "been nursing",
        "while nursing", "i'm nursing", "im nursing", "breast milk", "breastmilk", "pumping", "lactating",
        "lactancia", "amamantando", "allaitement", "allaite", "stillen", "stillzeit",
    ),
    "overdose": (
        "overdose", "overdosed", "overdosing", "over dosed", "doubled up", "doubling up", "od'd", "od",
        "too many pills", "took too much",
        "took too many", "double dose", "double dosed", "doubled my dose", "doubled the dose", "whole bottle",
        "the whole pack", "extra dose", "extra doses", "sobredosis", "surdose",
        "uberdosis",
    ),
    "misuse": (
        "misuse", "misused", "abuse", "abusing", "abused", "to get high", "get high", "got high", "getting high",
        "snort", "snorted", "snorting", "get a buzz", "for a buzz", "a buzz", "buzzed", "to feel high",
        "crushed it", "crushed them", "recreationally", "recreational",
        "for fun", "someone else's", "my friend's prescription", "borrowed", "addicted", "addiction", "hooked on",
        "withdrawal", "withdrawals", "bought it online", "without a prescription", "without prescription",
    ),
    "medication_error": (
        "by mistake", "by accident", "accidentally", "accidently", "wrong dose", "wrong pill", "wrong pills",
        "wrong medicine", "wrong medication", "wrong strength", "took two pills", "took 2 pills",
        "took two doses", "took 2 doses", "took it twice", "took it two times",
        "took my dose twice", "took both", "twice by mistake", "forgot to take", "forgot my dose",
        "missed a dose", "missed my dose", "missed doses", "skipped a dose", "mixed up", "mixed them up",
        "pharmacy gave me", "pharmacist gave me", "the pharmacy gave", "pharmacy mixed up", "expired",
        "out of date", "instead of 1", "instead of one", "took another one",
        "my dog ate", "my cat ate", "the dog ate", "the cat ate", "dog got into", "cat got into", "dog chewed",
    ),
    "lack_of_effect": (
        "didn't work", "didnt work", "did not work", "doesn't work", "doesnt work", "does not work",
        "not working", "isn't working", "isnt working", "stopped working", "quit working", "didn't help",
        "didnt help", "did not help", "doesn't help", "doesnt help", "does not help", "not helping",
        "no relief", "no effect", "no difference", "no change", "hasn't helped", "hasnt helped", "has not helped",
        "haven't noticed any difference", "not noticed any difference", "zero difference", "made no difference",
        "no improvement",
        "not any better", "no better", "useless", "waste of money", "did nothing", "does nothing",
        "did absolutely nothing", "didn't do anything", "didnt do anything", "didn't do a thing",
        "then nothing", "and then nothing", "worked at first", "worked for a while", "worked for a week",
        "worked for a month", "worked for a few weeks", "stopped helping", "still have", "still had",
        "still getting", "still in pain", "still sick", "wore off", "wears off",
        "no funciona", "no me funciona", "no sirve", "ne marche pas", "ne fonctionne pas", "aucun effet",
        "wirkt nicht", "hilft nicht", "keine wirkung",
    ),
    "off_label": (
        "off label", "off-label", "offlabel", "for weight loss", "to lose weight", "for my dog", "for my cat",
        "gave it to my dog", "gave it to my cat", "not prescribed", "not what it's for", "not what its for",
        "prescribed for something else", "even though it's for", "even though its for", "even though it is for",
        "it's not for", "its not for", "not meant for", "meant for something else",
    ),
    # A child: the situation needs the child exposed (EXPOSURE, or an event) on a post about a product.
    "child_exposure": (
        "toddler", "toddlers", "infant", "infants", "newborn", "my baby", "our baby", "the baby", "my kid",
        "my kids", "my child", "my children", "my son", "my daughter", "our son", "our daughter", "our kids",
        "my little one", "my grandson", "my granddaughter", "my 2 kids", "my two kids", "mi hijo", "mi hija",
        "mon fils", "ma fille", "mein sohn", "meine tochter", "mein kind",
    ),
}

# A child came to the medicine (with a child word of "child_exposure").
EXPOSURE: tuple[str, ...] = (
    "got into", "swallowed", "chewed", "ate one", "ate some", "ate a", "licked", "put it in", "gave it to",
    "gave him", "gave her", "given", "giving", "taking", "took", "takes", "is on", "started", "found", "grabbed",
    "sprayed", "used", "using", "uses", "been on", "on it", "on this",
)

# Phrases with an event word that tell no event ("sick of these ads").
NOT_AN_EVENT: tuple[str, ...] = (
    "sick of", "sick and tired", "tired of", "so tired of", "sick to death of", "sick day", "call in sick",
    "called in sick", "fall in love", "fell in love",
    "fall for", "fell for", "falling for", "fall asleep", "fell asleep", "fall season", "this fall", "last fall",
    "a pain in the", "no pain no gain", "growing pains", "dying to", "killing it", "killed it", "headache of",
    "what a headache", "a real headache", "such a headache", "pain is temporary", "no pain", "my heart goes out",
    "heart goes out", "warms my heart", "made my heart", "makes my heart", "my heart is full", "could be worse",
    "could have been worse", "worse things", "burning question", "lump sum", "sore loser", "work at a hospital",
    "works at a hospital", "worked at a hospital", "hospital staff",
)

# A product complaint: what is wrong with the pack, the device or the product itself.
COMPLAINT: tuple[str, ...] = (
    "broken", "cracked", "leaking", "leaked", "leaks", "defective", "faulty", "damaged", "dented",
    "won't open", "wont open", "wouldn't open", "can't open", "cant open", "couldn't open", "stuck",
    "jammed", "won't click", "doesn't click", "didn't click", "won't spray", "doesn't spray", "no spray",
    "missing", "half empty", "came empty", "was empty", "were empty", "blisters were empty", "blister was empty",
    "blisters are empty", "empty blisters", "empty blister", "broke after", "broke off", "broke in half", "broke apart",
    "it broke", "inhaler broke", "pen broke", "cap broke", "is empty", "empty box", "empty pack",
    "fewer pills", "pills missing", "doses missing", "missing doses",
    "short count", "wrong colour", "wrong color", "different colour", "different color", "discolored",
    "discoloured", "changed colour", "changed color", "funny smell", "smells weird", "smells off",
    "smells funny", "tastes different", "tasted different", "crumbled", "crumbling", "powdery", "moldy",
    "mouldy", "particles", "speck", "specks", "black spot", "something floating",
    "stopped spraying", "won't pump", "cloudy", "foreign object", "bent needle", "needle bent",
    "needle broke", "dose counter", "counter says", "counter shows", "counter reads", "still sprays",
    "counter is wrong", "seal was broken", "seal broken",
    "already opened", "was opened", "had been opened", "clogged", "nothing comes out", "barely anything comes out",
    "stuck together", "printed wrong", "misprinted", "wrong label", "label is wrong", "label is peeling",
    "label peeling", "label is peeling off",
    "label came off", "wrong leaflet", "no leaflet",
    "leaflet missing", "missing leaflet",
    "wrong insert", "in the blister",
    "the blister pack", "blister packs", "tampered", "packaging", "blister pack", "fake", "hard to swallow",
    "too big to swallow", "too big",
    "too large", "look different", "looks different", "looked different", "color changed", "colour changed",
    "color is different", "colour is different", "wrong shape", "different shape", "different size", "wrong size",
    "smell like", "smells like vinegar", "smell like vinegar", "vinegar smell",
    "rattles",
    "coating", "weird coating", "different coating", "texture",
    "doesn't fit", "does not fit",
    "won't fit", "wont fit", "counterfeit",
    "recall", "recalled",
)

# Someone's condition or diagnosis: personal health information.
CONDITION: tuple[str, ...] = (
    "diagnosed", "diagnosis", "my condition", "chronic", "diabetes", "diabetic", "type 1", "type 2",
    "asthma", "asthmatic", "copd", "cancer", "tumor", "tumour", "chemo", "chemotherapy", "radiation",
    "stage 4", "stage iv", "metastatic", "hiv", "arthritis", "psoriasis", "eczema", "epilepsy", "epileptic",
    "hypertension", "high cholesterol", "crohn's", "crohns", "colitis", "lupus", "multiple sclerosis", "ms",
    "parkinson's", "parkinsons", "alzheimer's", "alzheimers", "dementia", "adhd", "bipolar", "schizophrenia",
    "ptsd", "ocd", "autism", "autistic", "endometriosis", "pcos", "anemia", "anaemia", "osteoporosis",
    "fibromyalgia", "thyroid", "hypothyroid", "hepatitis", "heart disease", "heart failure", "kidney disease",
    "dialysis", "transplant", "emphysema", "sleep apnea", "celiac", "glaucoma", "surgery", "remission",
    "survivor", "my oncologist", "prescribed", "cystic fibrosis", "sickle cell", "lung disease", "heart condition",
    "ibs", "gout", "disabled", "disability", "chronic illness", "alcoholic", "recovering alcoholic", "in recovery",
    "sober",
)
# After a word of the event list, a history rather than an event: "I've had depression for years".
HISTORY: tuple[str, ...] = (
    "years with", "year with", "for years", "for many years", "for decades", "since childhood", "since i was a kid",
    "since i was little",
    "all my life", "my whole life", "my entire life", "since birth",
)

# A part or function of the body: with a word of change (CHANGE) in its sentence, on a post about a product,
# and someone it happened to, a possible event the lists have no word for ("my periods are all over the place").
BODY: tuple[str, ...] = (
    "stomach", "tummy", "belly", "gut", "bowels", "heart", "chest", "lungs", "breathing", "head", "brain",
    "memory", "mood", "sleep", "skin", "face", "lips", "tongue", "mouth", "throat", "eyes", "eye", "vision",
    "eyesight", "ears", "hearing", "hair", "nails", "teeth", "gums", "legs", "leg", "arms", "arm", "hands",
    "hand", "fingers", "feet", "foot", "toes", "ankles", "knees", "joints", "muscles", "back", "neck", "liver",
    "kidneys", "kidney", "bladder", "pee", "urine", "poop", "stool", "periods", "period", "cycle", "libido",
    "weight", "appetite", "bp", "blood pressure", "pulse", "heart rate", "sugar", "sugars", "energy", "body",
    "nose", "voice", "balance", "coordination", "speech", "bones", "blood", "cholesterol",
)
CHANGE: tuple[str, ...] = (
    "since", "after", "ever since", "made", "makes", "gave", "causing", "caused", "turned", "went", "gone",
    "gotten", "getting", "keeps", "kept", "stopped", "wrecked", "ruined", "messed", "messing", "destroyed",
    "worse", "bad", "weird", "funny", "strange", "all over the place", "through the roof", "pounding",
    "racing", "changed", "numb", "hurting", "hurts", "killing", "feels like", "feel like", "jelly", "on fire",
    "burning", "swollen", "falling out", "thinning", "to thin", "dropped", "spiked", "skyrocketed", "tanked",
    "won't stop", "wont stop", "can't feel", "couldn't feel", "cant feel", "zapped", "drained", "sapped",
    "tastes like", "is like", "losing", "lost", "goes", "shot up", "went up", "went down", "came back",
    "since i started", "since starting", "ever since",
    "after taking", "after i took",
    "after my", "after the", "since my",
)

# Taking a product: with a product named and a patient, the comment tells someone's treatment.
USE: tuple[str, ...] = (
    "on", "taking", "take", "takes", "took", "started", "starting", "using", "use", "been on", "switched to",
    "prescribed", "my dose", "my shot", "my injection", "my inhaler", "my pills", "my meds", "my medication",
)

# The patient: the writer, or someone the writer names by relation.
PATIENT_SELF: tuple[str, ...] = (
    "i", "i'm", "im", "i've", "ive", "i'd", "i'll", "me", "my", "myself", "mine",
    # Spanish, French, German
    "yo", "me dio", "je", "j'ai", "moi", "ich", "mir", "mich",
)
RELATIONS: tuple[str, ...] = (
    "mom", "mum", "mother", "mommy", "mama", "dad", "father", "daddy", "papa", "son", "daughter", "husband",
    "hubby", "wife", "partner", "spouse", "boyfriend", "girlfriend", "bf", "gf", "fiance", "fiancee", "kid",
    "kids", "child", "children", "baby", "toddler", "brother", "sister", "sibling", "grandma", "grandmother",
    "granny", "nana", "nan", "grandpa", "grandfather", "grandson", "granddaughter", "aunt", "auntie", "uncle",
    "niece", "nephew", "cousin", "friend", "best friend", "bestie", "neighbor", "neighbour", "coworker",
    "co-worker", "colleague", "roommate", "flatmate", "patient", "client", "mother-in-law", "father-in-law",
    "sister-in-law", "brother-in-law", "stepson", "stepdaughter", "stepmom", "stepdad", "twins", "teen",
    "teenager", "little one", "dog", "cat",
)
# Relations in Spanish, French and German, with their owner.
RELATIONS_ABROAD: tuple[str, ...] = (
    "mi esposo", "mi esposa", "mi marido", "mi mujer", "mi madre", "mi mama", "mi padre", "mi papa", "mi hijo",
    "mi hija", "mi hermano", "mi hermana", "mi abuela", "mi abuelo", "mi amiga", "mi amigo", "mon mari",
    "ma femme", "ma mere", "mon pere", "mon fils", "ma fille", "mon frere", "ma soeur", "ma grand-mere",
    "mon ami", "mon amie", "mein mann", "meine frau", "meine mutter", "mein vater", "mein sohn", "meine tochter",
    "mein bruder", "meine schwester", "mein kind", "meine oma", "mein opa",
)
# Whose relation: "my mom", "our son", "mi madre"…
OWNERS: tuple[str, ...] = ("my", "our", "my little", "my elderly", "my older", "my younger", "my 2", "my two")
# A pronoun that names the person a relation introduced ("my mom … she got dizzy").
PRONOUNS: tuple[str, ...] = ("she", "he", "her", "him", "they", "she's", "he's", "shes", "hes")

# "this drug" and the like: the product of the post we published, when it is about one.
PRODUCT_REFERENCE: tuple[str, ...] = (
    "it", "ce medicament", "este medicamento", "esta medicina", "dieses medikament", "das medikament", *(
    f"{whose} {which}{thing}"
    for whose in ("this", "these", "that", "the", "my", "your", "ur", "each", "every", "her", "his")
    for which in ("", "first ", "second ", "third ", "last ", "next ", "1st ", "2nd ", "3rd ", "new ", "daily ")
    for thing in ("drug", "drugs", "medicine", "medication", "medications", "med", "meds", "pill", "pills",
                  "tablet", "tablets", "capsule", "capsules", "inhaler", "puff", "shot", "shots", "injection",
                  "injections", "jab", "vaccine", "stuff", "treatment", "product", "pen", "cream", "spray",
                  "dose", "doses", "refill", "prescription")
))

# Other medicines people name (the suspect may be theirs, not ours).
OTHER_PRODUCTS: tuple[str, ...] = (
    "tylenol", "advil", "motrin", "aleve", "ibuprofen", "paracetamol", "acetaminophen", "aspirin",
    "naproxen", "benadryl", "zyrtec", "claritin", "allegra", "sudafed", "nyquil", "dayquil", "pepto",
    "imodium", "tums", "melatonin", "prednisone", "antibiotics", "amoxicillin", "metformin", "insulin",
    "statins", "lipitor", "birth control", "my other meds", "another drug", "a different drug",
    "the generic", "headache pill", "headache pills", "headache meds", "headache medicine", "pain pill",
    "pain pills", "pain meds", "painkiller", "painkillers", "pain killer", "pain killers", "sleeping pill",
    "sleeping pills", "allergy meds", "allergy pills", "nausea meds", "migraine meds",
)

# What people write after they name something that did not happen ("no side effects", "never had any").
NEGATION: tuple[str, ...] = (
    "no", "not", "never", "none", "without", "zero", "nor", "didn't", "didnt", "did not", "don't", "dont",
    "do not", "doesn't", "doesnt", "does not", "haven't", "havent", "have not", "hasn't", "hasnt", "has not",
    "hadn't", "hadnt", "had not", "wasn't", "wasnt", "was not", "weren't", "isn't", "isnt", "aren't",
    "won't", "wont", "wouldn't", "free of", "free from", "no more", "no longer", "nothing", "not a single",
    "not one", "not even", "not once", "sin", "nunca", "ningun", "ninguna", "ningunos", "pas", "sans",
    "jamais", "aucun", "aucune", "kein", "keine", "keinen", "keiner", "nicht", "nie", "ohne",
)
# Words after an event that deny it ("side effects: none").
NEGATION_AFTER: tuple[str, ...] = ("none", "zero", "nada", "nothing", "none at all", "so far none")
# Words that end a clause: a negation before them does not reach past them.
CLAUSE_BREAK: tuple[str, ...] = (
    "but", "except", "other than", "apart from", "besides", "although", "though", "however", "yet", "until",
    "then", "and then", "because", "since", "except for", "just", "only", "pero", "mais", "aber",
)

# Asking about something that has not happened (a medical-information request).
HYPOTHETICAL: tuple[str, ...] = (
    "does it cause", "do they cause", "can it cause", "could it cause", "will it cause", "would it cause",
    "may cause", "can cause", "could cause", "might cause", "does it make", "can it make", "could it make",
    "will it make", "would it make", "does it give", "can it give", "will it give", "is it possible",
    "possible to", "risk of", "risks of", "chance of", "chances of", "likely to", "is it common", "how common",
    "is it safe", "safe to", "is it ok", "is it okay", "ok to", "okay to", "to avoid", "to prevent",
    "any side effects", "what are the side effects", "what side effects", "does it have", "do you get",
    "can you get", "will you get", "do people get", "can you take", "should you", "does it affect",
    "will it affect", "can it affect", "could it affect", "does it interfere", "will it interfere", "can you use",
    "puede causar", "est-ce que", "peut-il", "kann es", "verursacht es",
)
# Words that suppose or ask, about anything: with them an event is asked about, but they alone make no
# medical-information request ("where can I read the full study?").
SUPPOSING: tuple[str, ...] = (
    "what if", "if", "in case", "will i", "would i", "could i", "can i", "should i", "am i going to",
    "worried about", "afraid of", "scared of", "concerned about", "does anybody know", "does anyone know",
    "wondering", "i wonder",
)
# Words that make what follows in their clause a supposition, whatever it tells ("what should I do if I get dizzy").
CONDITIONAL: tuple[str, ...] = ("if", "what if", "in case", "just in case", "even if", "whether")
# First-hand experience: with these a question still tells what happened ("anyone else get dizzy on it?").
EXPERIENCE: tuple[str, ...] = (
    "gave me", "giving me", "made me", "making me", "gave her", "gave him", "made her", "made him",
    "i got", "i've got", "ive got", "i have been", "i've been", "ive been",
    "i had", "i've had", "ive had", "i have had", "i'm having", "im having", "i am having", "i'm getting",
    "im getting", "i am getting", "i felt", "i'm feeling", "im feeling", "i was",
    "i woke up", "i ended up", "i started", "i noticed", "i've noticed", "i developed", "i now have",
    "now i have", "anyone else", "anybody else", "anyone's", "anybody's", "anyone get", "anyone had",
    "anyone experience", "anyone experienced", "is it normal", "is this normal", "is that normal",
    "normal to", "did i", "why do i", "why am i", "why did", "since i started", "since starting",
    "after taking", "after i took", "after my", "ever since", "she got", "he got", "she had", "he had",
    "she's been", "he's been", "she has been", "he has been", "has been", "got", "had", "started",
    "me dio", "j'ai eu", "ich habe", "ich hatte", "turned", "went", "caused", "gotten", "ruined", "wrecked",
    "messed up",
)
# The onset of something after the medicine began: on a post about a product, a comment with one of these and
# nothing else screening knows is still queued ("night terrors every night since the switch").
ONSET: tuple[str, ...] = (
    "since starting", "since i started", "since i began", "since the switch", "since switching", "since day",
    "after starting", "after taking", "after i took", "after my dose", "after the dose", "after my first",
    "after the first", "after the second", "after my second", "after the shot", "after the injection",
    "after using", "ever since", "since my first", "since my last", "since the first", "since taking",
    "since using", "since i switched", "since it", "started taking", "started on", "began taking",
)

# A question word that opens a sentence: the sentence asks something.
QUESTION_OPENERS: tuple[str, ...] = (
    "does", "do", "can", "could", "will", "would", "is", "are", "should", "how", "what", "why", "when",
    "what's", "whats", "how's", "where's", "who's",
    "which", "any", "anyone", "has", "have", "was", "were", "did", "where", "who", "puedo", "se puede",
    "est-ce", "peut-on", "kann", "darf",
)
# Words of a medical-information request.
MEDICAL_QUESTION: tuple[str, ...] = (
    "dose", "dosage", "doses", "take", "taking", "take it", "mg", "alcohol", "drink", "drinking", "food",
    "empty stomach", "interact", "interaction", "interactions", "together with", "safe", "side effects",
    "side effect", "cause", "causes", "generic", "prescription", "fridge", "refrigerate", "store it",
    "how long", "how often", "how fast", "stop taking", "switch", "work for", "works for", "effective",
    "with food", "grapefruit", "taper", "taper off", "give it to", "puffs", "puff", "max", "maximum", "how many",
    "per day", "a day",
    "times a day", "lose effect", "hot car", "heat", "temperature", "storage", "expiry", "shelf life", "wean off",
    "come off", "stop it", "your system",
    "fertility",
    "drive", "driving", "drowsy", "miss a dose", "missed a dose",
    "forget a dose", "contraindicated", "allergic",
    "kids", "children", "elderly", "while pregnant",
    "breastfeeding",
)

# A joke about our post rather than a report about a medicine.
JOKE: tuple[str, ...] = (
    "lol", "lmao", "lmfao", "rofl", "haha", "hahaha", "jk", "just kidding", "kidding", "/s", "\U0001f602",
    "\U0001f923", "\U0001f606", "\U0001f61c", "\U0001f61d",
)
# What a joke is about: the ad, the post, the video.
NOT_A_MEDICINE: tuple[str, ...] = (
    "this ad", "these ads", "your ad", "your ads", "the ad", "this advert", "this commercial", "the commercial",
    "your commercials", "this video", "the video", "this post", "your post", "your posts", "this tweet",
    "the music", "the song", "the jingle", "your marketing", "this campaign", "reading this", "watching this",
    "this thread", "the comments", "the font", "your website", "the website", "the app", "from laughing",
    "from crying", "from work", "from the gym", "from running", "from stress", "from the heat", "from the sun",
    "from lack of sleep", "from the flu", "from covid", "from a cold", "from my workout",
)

# Frequent words of the languages the lists cover: a comment with few of them is in another language.
KNOWN_LANGUAGE: frozenset[str] = frozenset((
    # English
    "the a an and or but i me my you your it is are was were be been have has had do does did not no to of "
    "in on for with at by from this that these those so just very too can will would should could get got "
    "what when why how who all any some more much like after before since now still again he she they we "
    "them her his our their there here if then than about up out off over as also really ever never only "
    "lol its it's i'm im"
    # Spanish
    " el la los las un una y o pero yo mi me te tu es son fue muy con por para que de del en sin no si mas "
    "cuando como esto esta este todo nada tengo tiene"
    # French
    " le la les un une et ou mais je j'ai moi mon ma mes tu est sont avec pour que qui de des du en sans ne "
    "pas plus tres ce cette tout rien"
    # German
    " der die das ein eine und oder aber ich mir mich mein meine du ist sind war mit fur dass von zu im "
    "nicht kein keine sehr auch noch nach seit habe hatte"
).split())

# Phrases with a negation that deny nothing after them ("didn't expect to get so dizzy").
NOT_NEGATION: tuple[str, ...] = (
    "didn't expect", "didnt expect", "did not expect", "didn't think", "didnt think", "didn't know",
    "didnt know", "didn't realize", "didn't realise", "never thought", "never expected", "not sure",
    "not expecting", "wasn't expecting", "no idea", "don't know", "dont know", "don't think", "not gonna lie",
    "not to mention", "no joke", "no wonder", "not only", "not just", "no doubt", "never been so",
    "never felt so", "never had such", "never been this", "nothing but", "not kidding", "no kidding",
    # doubt about the cause, common in reports: "not sure if related but…" (its "if" supposes nothing)
    "not sure if", "no idea if", "don't know if", "dont know if", "unsure if", "if related", "if it's related",
    "if its related", "if this is related", "if that's related", "whether it's related",
)

# Relations that are children: with "my", a child word of the child_exposure situation.
CHILD_RELATIONS: frozenset[str] = frozenset((
    "son", "daughter", "kid", "kids", "child", "children", "baby", "toddler", "little one", "grandson",
    "granddaughter", "twins",
))


if tuple(SITUATION_WORDS) != SITUATIONS:  # one list of names: a situation added there needs its words here
    raise ImportError(f"socialpub.safety.words: the situations with words {tuple(SITUATION_WORDS)} are not "
                      f"socialpub.situations.SITUATIONS {SITUATIONS}")
