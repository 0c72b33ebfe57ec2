"""Built-in text for the synthetic pages: English and Arabic prose, tables, receipts, forms, signs.

Arabic strings are stored in logical (reading) order, without diacritics, as a reader types them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

ENGLISH_SENTENCES = (
    "The river has shaped the town for more than four hundred years.",
    "Most of the old warehouses along the quay were turned into flats in the nineties.",
    "Visitors often arrive by the morning train and leave before dark.",
    "The council agreed to repair the bridge before the winter floods.",
    "A small museum near the market keeps maps, tools and letters from the early settlers.",
    "Prices in the covered market rose sharply after the harvest failed.",
    "Farmers brought wheat, barley and wool to the Saturday fair.",
    "The new library opened in March with a reading room for children.",
    "Several families still run bakeries that their grandparents founded.",
    "Rainfall was lower than usual, and the reservoir fell to half its capacity.",
    "The school board published its annual report on the first of June.",
    "Teachers asked for smaller classes and better heating in the older buildings.",
    "Researchers measured the water quality at twelve points along the coast.",
    "Nitrate levels fell by twelve percent compared with the previous year.",
    "The survey found that most residents walk or cycle to work.",
    "Traffic on the ring road has doubled since the factory opened.",
    "A night bus now links the station with the hospital and the university.",
    "The festival drew about nine thousand people over three days.",
    "Local musicians played in the square every evening until midnight.",
    "The committee will meet again in September to review the budget.",
    "Costs fell for the third year in a row, and the margin reached eighteen percent.",
    "Revenue grew by twelve percent, led by strong sales in northern Europe.",
    "Engineers tested the new pumps for six weeks before the station reopened.",
    "The harbour master reported calm seas and light winds for most of the month.",
    "Fishing boats returned early because of the storm warning.",
    "The old lighthouse is open to visitors on Sundays from May to October.",
    "Students from the art college painted a mural on the wall of the railway station.",
    "Each volunteer received a map, a torch and a list of addresses.",
    "The bakery on Mill Street sells bread, cakes and coffee from seven in the morning.",
    "Doctors at the clinic saw more patients this winter than in any year before.",
    "The report recommends planting trees along the main roads to reduce noise.",
    "Readers wrote to the newspaper to complain about the closing of the post office.",
    "The garden was designed by a team of botanists from the university.",
    "Walkers should keep to the marked paths and close every gate behind them.",
    "A record number of apprentices finished their training this summer.",
    "The price of a return ticket to the capital is now twenty four pounds.",
)

TITLES = (
    "Annual Report on Water Quality",
    "The River and the Town",
    "A History of the Harbour",
    "Notes on the Covered Market",
    "Transport in the Valley",
    "Schools and Libraries",
    "The Festival Season",
    "Farming After the Flood",
    "Health Services This Winter",
    "Walking the Coast Path",
    "Trade and Industry Review",
    "The Bridge Repairs",
)
HEADERS = (
    "JOURNAL OF REGIONAL STUDIES",
    "THE VALLEY GAZETTE",
    "QUARTERLY BULLETIN",
    "CITY REVIEW",
    "ANNUAL REPORT",
    "CHAPTER FOUR",
    "THE HARBOUR NEWS",
    "PROCEEDINGS OF THE SOCIETY",
)
FOOTNOTES = (
    "Source: Regional Statistics Office, survey of households.",
    "Figures are rounded to the nearest whole number.",
    "The author thanks the staff of the county archive for their help.",
    "Data for the last quarter are provisional.",
)
SIDEBAR_HEADS = ("At a glance", "Key facts", "Did you know?", "In brief")
SIDEBAR_LINES = (
    "Population: 48,200",
    "Founded in 1612",
    "Area: 36 square miles",
    "Rail links: 4",
    "Schools: 21",
    "Parks: 9",
    "Average rainfall: 810 mm",
    "Museums: 3",
    "Bridges: 7",
)

REGIONS = ("North", "South", "East", "West", "Central", "Coast", "Valley", "Highlands", "Islands")
TABLE_TITLES = (
    "Table 2. Sales by region",
    "Table 4. Visitors per year",
    "Table 1. Rainfall by area",
)
TABLE_HEADS = (("Region", "2021", "2022", "Change"), ("Area", "Spring", "Summer", "Autumn"))

SHOPS = ("CORNER MARKET", "GREEN GROCER", "CITY PHARMACY", "HARBOUR CAFE", "MILL STREET BAKERY")
STREETS = (
    "12 Harbour Street",
    "48 Mill Street",
    "7 Station Road",
    "3 Market Square",
    "91 High Street",
)
ITEMS = (
    "Milk 2L",
    "Bread",
    "Apples 1kg",
    "Coffee beans",
    "Eggs x12",
    "Butter",
    "Rice 1kg",
    "Tea bags",
    "Orange juice",
    "Cheese",
    "Tomatoes",
    "Pasta",
    "Soap",
    "Yoghurt",
    "Chicken",
    "Flour 1kg",
)

FORM_TITLES = ("APPLICATION FORM", "REGISTRATION", "MEMBERSHIP FORM", "DELIVERY NOTE")
FORM_FIELDS = (
    ("Name", ("Maria Lopez", "John Smith", "Amina Yusuf", "Peter Novak", "Helen Okafor")),
    ("Date of birth", ("12/03/1987", "04/11/1990", "23/07/1975", "30/01/2001")),
    ("Address", ("18 Harbour Road", "7 Station Road", "3 Market Square", "91 High Street")),
    ("City", ("Leeds", "Bristol", "York", "Dundee", "Cardiff")),
    ("Phone", ("555-0134", "555-0199", "555-0178", "555-0112")),
    ("Email", ("m.lopez@example.com", "jsmith@example.org", "a.yusuf@example.net")),
    ("Member number", ("A-20417", "B-11803", "C-00921")),
    ("Signature date", ("5 May 2024", "18 June 2023", "2 March 2022")),
)

POSTER_TITLES = ("CITY IN NUMBERS", "OUR YEAR", "SAVE WATER", "THE FESTIVAL", "HEALTHY TOWN")
POSTER_STATS = ("72%", "1,250", "9,000", "36", "4.2M", "18%", "250", "3 DAYS", "12 km", "95%")
POSTER_CAPTIONS = (
    "of homes recycle",
    "new trees planted",
    "visitors each day",
    "parks and gardens",
    "litres saved",
    "fewer cars",
    "volunteers helped",
    "of music and food",
    "of new cycle lanes",
    "of pupils walk to school",
)

SIGNS = (
    ("BAKERY", "OPEN 7 DAYS"),
    ("NO PARKING",),
    ("EXIT",),
    ("MAIN ST",),
    ("PHARMACY", "OPEN 24 HOURS"),
    ("CITY MUSEUM", "FREE ENTRY"),
    ("BUS STOP", "LINE 42"),
    ("SALE", "50% OFF"),
    ("FRESH FISH",),
    ("COFFEE", "HOUSE"),
    ("PLATFORM 4",),
    ("HOTEL", "ROYAL"),
    ("STOP",),
    ("SPEED LIMIT", "40"),
    ("CAFE", "BREAKFAST", "LUNCH"),
    ("WAY OUT",),
    ("TAXI",),
    ("BOOKS", "AND MAPS"),
)

ARABIC_SENTENCES = (
    "تقع المدينة على ضفة النهر الشرقية",
    "يعمل السوق القديم كل يوم من الصباح حتى المساء",
    "قرأ الطلاب الكتاب الجديد في المكتبة العامة",
    "ارتفعت أسعار الخبز والحليب هذا الشهر",
    "افتتحت الوزارة مدرسة جديدة في الحي الشمالي",
    "يحب الناس الجلوس في الحديقة بعد العمل",
    "نشرت الصحيفة تقريرا عن حالة الطقس",
    "سافر الوفد إلى العاصمة لحضور المؤتمر",
    "تبدأ الرحلة من المحطة الرئيسية في الساعة الثامنة",
    "زار الوزير المستشفى الجديد يوم الخميس",
    "تستمر الأمطار الغزيرة في المناطق الجبلية",
    "قدم الفريق عرضا رائعا في المباراة الأخيرة",
    "يجب على السائقين احترام قواعد المرور",
    "تضم المكتبة أكثر من ألف كتاب في التاريخ والعلوم",
    "أعلنت الشركة عن نتائجها السنوية أمس",
    "يعتمد الاقتصاد المحلي على الزراعة والتجارة",
    "شارك مئات الطلاب في المسابقة الثقافية",
    "تحتاج النباتات إلى الماء والضوء لكي تنمو",
    "يقع المتحف الوطني في وسط المدينة",
    "بدأ العام الدراسي الجديد في شهر سبتمبر",
    "يفتح المخبز أبوابه في الساعة السابعة صباحا",
    "عاد الصيادون إلى الميناء قبل وصول العاصفة",
)
ARABIC_TITLES = (
    "تقرير عن جودة المياه",
    "تاريخ الميناء",
    "السوق المغطى",
    "النقل في الوادي",
    "المدارس والمكتبات",
)
ARABIC_HEADERS = ("مجلة الدراسات الإقليمية", "نشرة المدينة", "التقرير السنوي", "الفصل الرابع")
ARABIC_SIGNS = (
    ("مرحبا بكم",),
    ("شارع الملك فهد",),
    ("صيدلية", "مفتوحة طوال الليل"),
    ("مخبز الأمل",),
    ("ممنوع التدخين",),
    ("مخرج",),
    ("موقف السيارات",),
    ("سوق المدينة",),
    ("مطعم البحر",),
)
#: bilingual signs: (English, Arabic) pairs saying the same thing
BILINGUAL_SIGNS = (
    ("EXIT", "مخرج"),
    ("WELCOME", "مرحبا بكم"),
    ("PHARMACY", "صيدلية"),
    ("NO SMOKING", "ممنوع التدخين"),
    ("CAR PARK", "موقف السيارات"),
    ("CITY MARKET", "سوق المدينة"),
    ("BAKERY", "مخبز"),
)

ENGLISH_WORDS = tuple(
    sorted(
        {
            w.strip(".,").lower()
            for s in ENGLISH_SENTENCES
            for w in s.split()
            if len(w.strip(".,")) >= 3
        }
    )
)
ARABIC_WORDS = tuple(sorted({w for s in ARABIC_SENTENCES for w in s.split() if len(w) >= 3}))
ARABIC_VOCABULARY = frozenset(
    w
    for group in (ARABIC_SENTENCES, ARABIC_TITLES, ARABIC_HEADERS)
    for s in group
    for w in s.split()
) | frozenset(
    w
    for sign in ARABIC_SIGNS + tuple((a,) for _, a in BILINGUAL_SIGNS)
    for s in sign
    for w in s.split()
)


def paragraphs(rng: random.Random, lang: str) -> Iterator[list[str]]:
    """An endless stream of paragraphs (word lists) of 2-5 sentences, in ``lang`` (eng | ara)."""
    pool = ARABIC_SENTENCES if lang == "ara" else ENGLISH_SENTENCES
    while True:
        count = rng.randint(2, 5)
        sentences = rng.sample(pool, count)
        # Arabic prose joins sentences with the Arabic comma and ends with a full stop.
        text = "، ".join(sentences) + "." if lang == "ara" else " ".join(sentences)
        yield text.split()


def english_word(rng: random.Random) -> str:
    """A word for a crop, in the case mixes scene text shows (lower, Title, UPPER) or a number."""
    if rng.random() < 0.12:
        return str(rng.choice([rng.randint(1, 99), rng.randint(100, 9999)]))
    word = rng.choice(ENGLISH_WORDS)
    style = rng.random()
    if style < 0.35:
        return word.upper()
    if style < 0.7:
        return word.capitalize()
    return word
