import AnalystCore

/// The small word lists the sample data is assembled from: countries with their cities and name pools,
/// company words, product catalogue, campaign channels and themes, ticket subjects.
///
/// Everything here is loaded into DuckDB as lookup tables (see `SampleDataScript`); the generator picks from
/// these lists with hash-based pseudo-random numbers, so the same seed always gives the same choices.
enum SampleVocabulary {
    struct Country {
        var code: String
        var weight: Double
        var language: String
        var cities: [String]
        /// Top-level domain for company addresses (`cz`, `co.uk`, …).
        var topLevelDomain: String
        var legalForm: String
        var currency: String
        /// Units of `currency` per US dollar (fixed, for converting order totals into payment amounts).
        var perDollar: Double
        var mailDomains: [String]
    }

    /// First and last names of one language. `femaleLast` matches `maleLast` index by index, for languages
    /// whose surnames change with gender (Novák → Nováková); elsewhere the two lists are equal.
    struct NamePool {
        var language: String
        var maleFirst: [String]
        var femaleFirst: [String]
        var maleLast: [String]
        var femaleLast: [String]

        init(language: String, maleFirst: [String], femaleFirst: [String], last: [String], femaleLast: [String]? = nil) {
            self.language = language
            self.maleFirst = maleFirst
            self.femaleFirst = femaleFirst
            self.maleLast = last
            self.femaleLast = femaleLast ?? last
        }
    }

    struct ProductCategory {
        var name: String
        var skuPrefix: String
        var slug: String
        /// Item names from cheapest to dearest: an item's position nudges its price within `price`.
        var items: [String]
        var variants: [String]
        var colours: [String]
        var price: ClosedRange<Double>
        var costRatio: ClosedRange<Double>
        var weightKg: ClosedRange<Double>
    }

    struct CampaignChannel {
        var name: String
        var weight: Double
        var label: String
        var budget: ClosedRange<Double>
        /// Cost per thousand impressions, USD.
        var cpm: ClosedRange<Double>
        /// Click-through rate (clicks / impressions).
        var ctr: ClosedRange<Double>
    }

    static let countries: [Country] = [
        Country(
            code: "CZ", weight: 0.25, language: "cs",
            cities: ["Praha", "Brno", "Ostrava", "Plzeň", "Olomouc", "Liberec", "České Budějovice", "Hradec Králové"],
            topLevelDomain: "cz", legalForm: "s.r.o.", currency: "CZK", perDollar: 23.0,
            mailDomains: ["seznam.cz", "email.cz", "gmail.com", "centrum.cz"]),
        Country(
            code: "DE", weight: 0.15, language: "de",
            cities: ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Leipzig"],
            topLevelDomain: "de", legalForm: "GmbH", currency: "EUR", perDollar: 0.92,
            mailDomains: ["gmx.de", "web.de", "gmail.com", "t-online.de"]),
        Country(
            code: "US", weight: 0.12, language: "en",
            cities: ["New York", "Los Angeles", "Chicago", "Houston", "Seattle", "Austin", "Boston", "Denver"],
            topLevelDomain: "com", legalForm: "Inc.", currency: "USD", perDollar: 1.0,
            mailDomains: ["gmail.com", "yahoo.com", "outlook.com", "icloud.com"]),
        Country(
            code: "GB", weight: 0.10, language: "en",
            cities: ["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Edinburgh"],
            topLevelDomain: "co.uk", legalForm: "Ltd", currency: "GBP", perDollar: 0.79,
            mailDomains: ["gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk"]),
        Country(
            code: "FR", weight: 0.08, language: "fr",
            cities: ["Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Bordeaux", "Lille"],
            topLevelDomain: "fr", legalForm: "SAS", currency: "EUR", perDollar: 0.92,
            mailDomains: ["orange.fr", "free.fr", "gmail.com", "laposte.net"]),
        Country(
            code: "AT", weight: 0.05, language: "de", cities: ["Wien", "Graz", "Linz", "Salzburg", "Innsbruck"],
            topLevelDomain: "at", legalForm: "GmbH", currency: "EUR", perDollar: 0.92,
            mailDomains: ["gmx.at", "gmail.com", "aon.at"]),
        Country(
            code: "PL", weight: 0.05, language: "pl", cities: ["Warszawa", "Kraków", "Wrocław", "Poznań", "Gdańsk", "Łódź"],
            topLevelDomain: "pl", legalForm: "Sp. z o.o.", currency: "PLN", perDollar: 3.95,
            mailDomains: ["wp.pl", "onet.pl", "gmail.com", "interia.pl"]),
        Country(
            code: "NL", weight: 0.05, language: "nl", cities: ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven"],
            topLevelDomain: "nl", legalForm: "B.V.", currency: "EUR", perDollar: 0.92,
            mailDomains: ["gmail.com", "ziggo.nl", "kpnmail.nl"]),
        Country(
            code: "SK", weight: 0.05, language: "sk", cities: ["Bratislava", "Košice", "Žilina", "Nitra", "Banská Bystrica"],
            topLevelDomain: "sk", legalForm: "s.r.o.", currency: "EUR", perDollar: 0.92,
            mailDomains: ["azet.sk", "centrum.sk", "gmail.com"]),
        Country(
            code: "ES", weight: 0.04, language: "es", cities: ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Málaga"],
            topLevelDomain: "es", legalForm: "S.L.", currency: "EUR", perDollar: 0.92,
            mailDomains: ["gmail.com", "hotmail.es", "telefonica.net"]),
        Country(
            code: "IT", weight: 0.03, language: "it", cities: ["Roma", "Milano", "Napoli", "Torino", "Bologna", "Firenze"],
            topLevelDomain: "it", legalForm: "S.r.l.", currency: "EUR", perDollar: 0.92,
            mailDomains: ["libero.it", "gmail.com", "virgilio.it"]),
        Country(
            code: "SE", weight: 0.03, language: "sv", cities: ["Stockholm", "Göteborg", "Malmö", "Uppsala"],
            topLevelDomain: "se", legalForm: "AB", currency: "SEK", perDollar: 10.5,
            mailDomains: ["gmail.com", "telia.com", "outlook.com"]),
    ]

    static let namePools: [NamePool] = [
        NamePool(
            language: "en", maleFirst: ["James", "John", "Michael", "David", "Daniel", "Thomas", "Robert", "William"],
            femaleFirst: ["Mary", "Emma", "Olivia", "Sarah", "Emily", "Jessica", "Laura", "Sophie"],
            last: ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Miller", "Clark", "Walker", "Wright"]),
        NamePool(
            language: "de", maleFirst: ["Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Stefan", "Michael", "Andreas"],
            femaleFirst: ["Anna", "Laura", "Julia", "Lena", "Sarah", "Katharina", "Sophie", "Hannah"],
            last: ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz"]),
        NamePool(
            language: "cs", maleFirst: ["Jan", "Petr", "Jakub", "Tomáš", "Martin", "Lukáš", "Ondřej", "Pavel"],
            femaleFirst: ["Jana", "Tereza", "Eva", "Lucie", "Kateřina", "Petra", "Veronika", "Martina"],
            last: ["Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Marek"],
            femaleLast: [
                "Nováková", "Svobodová", "Novotná", "Dvořáková", "Černá", "Procházková", "Kučerová", "Veselá", "Horáková",
                "Marková",
            ]),
        NamePool(
            language: "sk", maleFirst: ["Ján", "Peter", "Martin", "Tomáš", "Michal", "Lukáš", "Marek", "Juraj"],
            femaleFirst: ["Mária", "Zuzana", "Katarína", "Lucia", "Jana", "Monika", "Veronika", "Simona"],
            last: ["Horváth", "Kováč", "Varga", "Tóth", "Nagy", "Baláž", "Szabó", "Molnár"],
            femaleLast: ["Horváthová", "Kováčová", "Vargová", "Tóthová", "Nagyová", "Balážová", "Szabóová", "Molnárová"]),
        NamePool(
            language: "pl", maleFirst: ["Jakub", "Jan", "Piotr", "Krzysztof", "Tomasz", "Michał", "Paweł", "Marcin"],
            femaleFirst: ["Anna", "Katarzyna", "Maria", "Magdalena", "Agnieszka", "Joanna", "Aleksandra", "Zofia"],
            last: ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński"],
            femaleLast: ["Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowska", "Zielińska"]),
        NamePool(
            language: "fr", maleFirst: ["Louis", "Gabriel", "Léo", "Hugo", "Nicolas", "Julien", "Thomas", "Antoine"],
            femaleFirst: ["Camille", "Léa", "Manon", "Chloé", "Inès", "Julie", "Marie", "Sarah"],
            last: ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]),
        NamePool(
            language: "nl", maleFirst: ["Daan", "Sem", "Lucas", "Jan", "Thijs", "Bram", "Ruben", "Pieter"],
            femaleFirst: ["Emma", "Julia", "Sophie", "Lotte", "Fleur", "Sanne", "Anouk", "Eva"],
            last: ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"]),
        NamePool(
            language: "es", maleFirst: ["Hugo", "Martín", "Lucas", "Pablo", "Javier", "Carlos", "Alejandro", "Diego"],
            femaleFirst: ["Lucía", "Sofía", "María", "Martina", "Paula", "Carmen", "Elena", "Laura"],
            last: ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"]),
        NamePool(
            language: "it", maleFirst: ["Leonardo", "Francesco", "Alessandro", "Lorenzo", "Matteo", "Marco", "Luca", "Giuseppe"],
            femaleFirst: ["Sofia", "Giulia", "Aurora", "Alice", "Chiara", "Francesca", "Martina", "Sara"],
            last: ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"]),
        NamePool(
            language: "sv", maleFirst: ["Erik", "Lars", "Karl", "Anders", "Johan", "Oskar", "William", "Nils"],
            femaleFirst: ["Anna", "Eva", "Maria", "Karin", "Sara", "Elsa", "Maja", "Ingrid"],
            last: ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"]),
    ]

    static let companyPrefixes = [
        "Nordic", "Alpine", "Blue", "Bright", "Central", "Digital", "Euro", "Global", "Green", "Silver", "Smart", "Summit",
        "Vertex", "Apex", "Atlas", "Nova", "Orbit", "Pioneer", "Prime", "Quantum",
    ]
    static let companySuffixes = [
        "Systems", "Solutions", "Logistics", "Labs", "Trading", "Industries", "Partners", "Retail", "Analytics", "Works",
        "Media", "Supplies", "Technologies", "Consulting", "Group", "Foods",
    ]

    static let productCategories: [ProductCategory] = [
        ProductCategory(
            name: "Electronics", skuPrefix: "ELE", slug: "electronics",
            items: [
                "USB-C Charger", "Power Bank", "Webcam", "Gaming Mouse", "Bluetooth Speaker", "Mechanical Keyboard",
                "Wireless Headphones", "Noise-Cancelling Earbuds", "E-Reader", "Action Camera", "Smartwatch", "4K Monitor",
                "Tablet", "Smartphone", "Laptop",
            ],
            variants: ["Pro", "Ultra", "Lite", "Plus", "Mini", "Max"], colours: ["Black", "White", "Silver", "Space Grey", "Blue"],
            price: 19.99...1299.99, costRatio: 0.40...0.65, weightKg: 0.1...3.5),
        ProductCategory(
            name: "Clothing", skuPrefix: "CLO", slug: "clothing",
            items: [
                "Beanie", "T-Shirt", "Polo Shirt", "Running Shorts", "Leather Belt", "Linen Shirt", "Chino Trousers",
                "Denim Jeans", "Summer Dress", "Hoodie", "Wool Sweater", "Sneakers", "Rain Jacket", "Ankle Boots", "Down Parka",
            ],
            variants: ["Slim Fit", "Regular Fit", "Oversized", "Organic", "Classic"],
            colours: ["Black", "White", "Navy", "Grey", "Beige", "Red", "Olive"],
            price: 9.99...299.99, costRatio: 0.30...0.55, weightKg: 0.1...2.0),
        ProductCategory(
            name: "Home & Garden", skuPrefix: "HOM", slug: "home-garden",
            items: [
                "Doormat", "Scented Candle", "Pruning Shears", "Storage Basket", "Ceramic Planter", "Wall Clock", "French Press",
                "Bath Towel Set", "Throw Blanket", "LED Desk Lamp", "Garden Hose", "Chef's Knife", "Cotton Bed Sheets",
                "Cast Iron Pan", "Coffee Grinder",
            ],
            variants: ["Pro", "Plus", "Mini", "Max", "Deluxe"], colours: ["White", "Grey", "Beige", "Terracotta", "Green"],
            price: 7.99...199.99, costRatio: 0.35...0.55, weightKg: 0.2...8.0),
        ProductCategory(
            name: "Sports & Outdoors", skuPrefix: "SPO", slug: "sports-outdoors",
            items: [
                "Jump Rope", "Water Bottle", "Swim Goggles", "Resistance Bands", "Headlamp", "Foam Roller", "Yoga Mat",
                "Trekking Poles", "Cycling Helmet", "Dumbbell Set", "Tennis Racket", "Running Shoes", "Hiking Backpack",
                "Sleeping Bag", "Camping Tent",
            ],
            variants: ["Pro", "Ultra", "Lite", "Plus", "Mini", "Max"], colours: ["Black", "Blue", "Red", "Green", "Orange"],
            price: 8.99...249.99, costRatio: 0.35...0.60, weightKg: 0.1...12.0),
        ProductCategory(
            name: "Books & Media", skuPrefix: "BOO", slug: "books-media",
            items: [
                "Poetry Collection", "Mystery Novel", "Children's Picture Book", "Travel Guide", "Graphic Novel",
                "Sci-Fi Anthology", "Biography", "Audiobook", "Cookbook", "Business Handbook", "Vinyl Record",
                "Language Course", "Photography Book", "History Atlas", "Board Game",
            ],
            variants: ["Paperback", "Hardcover", "Deluxe Edition", "Pocket Edition"], colours: [],
            price: 5.99...79.99, costRatio: 0.25...0.45, weightKg: 0.1...2.0),
        ProductCategory(
            name: "Beauty & Health", skuPrefix: "BEA", slug: "beauty-health",
            items: [
                "Lip Balm", "Sleep Mask", "Shampoo", "Conditioner", "Body Lotion", "Sunscreen SPF 50", "Massage Oil",
                "Moisturizer", "Vitamin C Supplement", "Face Serum", "Protein Powder", "Beard Trimmer", "Perfume",
                "Hair Dryer", "Electric Toothbrush",
            ],
            variants: ["Travel Size", "Sensitive", "Men", "Pro", "Family Pack"], colours: [],
            price: 4.99...149.99, costRatio: 0.20...0.45, weightKg: 0.05...1.5),
    ]

    static let campaignChannels: [CampaignChannel] = [
        CampaignChannel(
            name: "email", weight: 0.20, label: "Email", budget: 500...5_000, cpm: 0.5...1.5, ctr: 0.020...0.040),
        CampaignChannel(
            name: "paid_search", weight: 0.22, label: "Paid Search", budget: 5_000...50_000, cpm: 15...40, ctr: 0.045...0.075),
        CampaignChannel(
            name: "paid_social", weight: 0.18, label: "Paid Social", budget: 3_000...30_000, cpm: 6...12, ctr: 0.009...0.016),
        CampaignChannel(
            name: "organic_social", weight: 0.12, label: "Organic Social", budget: 500...3_000, cpm: 1...3, ctr: 0.010...0.020),
        CampaignChannel(
            name: "display", weight: 0.12, label: "Display", budget: 2_000...20_000, cpm: 2...5, ctr: 0.001...0.004),
        CampaignChannel(
            name: "affiliate", weight: 0.08, label: "Affiliate", budget: 1_000...15_000, cpm: 4...10, ctr: 0.006...0.014),
        CampaignChannel(
            name: "retargeting", weight: 0.08, label: "Retargeting", budget: 1_000...10_000, cpm: 5...10, ctr: 0.008...0.015),
    ]

    /// Campaign themes by the month the campaign starts (January first).
    static let monthlyThemes = [
        "New Year Sale", "Valentine's Day", "Spring Collection", "Easter Deals", "Mother's Day", "Summer Kickoff",
        "Summer Sale", "Back to School", "Autumn Collection", "Halloween Specials", "Black Friday", "Holiday Gifts",
    ]
    /// Themes that fit any month.
    static let evergreenThemes = ["Brand Awareness", "Product Launch", "Loyalty Rewards", "Free Shipping Week", "Newsletter Push"]

    static let blogSlugs = [
        "gift-guide", "how-to-choose-headphones", "spring-trends", "home-office-setup", "running-tips", "skincare-routine",
    ]

    static let ticketSubjects: [(category: String, subjects: [String])] = [
        (
            "question",
            [
                "Question about product compatibility", "Do you ship to my country?", "How do I change my account email?",
                "Is this item back in stock soon?", "Bulk pricing for business customers",
            ]
        ),
        (
            "complaint",
            [
                "Item arrived damaged", "Product not as described", "Rude delivery driver", "Wrong item in my package",
                "Very slow customer service",
            ]
        ),
        (
            "return_request",
            ["Return request: wrong size", "I would like to return my order", "Return label needed", "Item does not fit"]
        ),
        (
            "shipping",
            ["Where is my order?", "Tracking number not working", "Change delivery address", "Package marked delivered but missing"]
        ),
        (
            "technical_issue",
            [
                "Cannot log in to my account", "Checkout page shows an error", "Discount code not accepted",
                "Password reset email never arrives", "App crashes on payment",
            ]
        ),
        ("refund", ["Refund not received yet", "Charged twice for one order", "Partial refund request", "Refund to a different card"]),
    ]
}
