import AnalystCore

/// The reference generator's enumerations and their weights (upstream-behaviour §11), plus the few this
/// generator adds where the reference leaves a column's values open.
enum SampleDistributions {
    static let segment = WeightedChoice(["b2c": 0.60, "b2b_small": 0.25, "b2b_enterprise": 0.15])
    static let country = WeightedChoice(
        literals: SampleVocabulary.countries.map { (Identifier.literal($0.code), $0.weight) })

    static let campaignChannel = WeightedChoice(
        literals: SampleVocabulary.campaignChannels.map { (Identifier.literal($0.name), $0.weight) })
    static let campaignDuration = WeightedChoice(integers: [14: 0.15, 21: 0.15, 30: 0.30, 45: 0.15, 60: 0.15, 90: 0.10])
    static let targetSegment = WeightedChoice(["all": 0.40, "b2c": 0.35, "b2b_small": 0.15, "b2b_enterprise": 0.10])

    static let leadSource = WeightedChoice([
        "newsletter_signup": 0.30, "contact_form": 0.25, "demo_request": 0.15, "content_download": 0.20,
        "webinar_registration": 0.10,
    ])
    static let leadStatus = WeightedChoice(["new": 0.35, "contacted": 0.20, "qualified": 0.15, "converted": 0.18, "lost": 0.12])
    static let device = WeightedChoice(["desktop": 0.45, "mobile": 0.45, "tablet": 0.10])
    static let browser = WeightedChoice(["Chrome": 0.64, "Safari": 0.19, "Firefox": 0.08, "Edge": 0.07, "Other": 0.02])
    static let landingKind = WeightedChoice([
        "home": 0.30, "category": 0.22, "product": 0.25, "sale": 0.08, "blog": 0.08, "search": 0.04, "account": 0.03,
    ])

    static let orderStatus = WeightedChoice([
        "delivered": 0.58, "shipped": 0.15, "confirmed": 0.10, "pending": 0.04, "cancelled": 0.08, "returned": 0.05,
    ])
    static let orderChannel = WeightedChoice(["web": 0.55, "mobile_app": 0.35, "phone": 0.05, "api": 0.05])
    /// Lines per order before duplicate products merge; about 2.7 lines remain on average.
    static let itemsPerOrder = WeightedChoice(integers: [1: 0.22, 2: 0.26, 3: 0.21, 4: 0.13, 5: 0.08, 6: 0.06, 7: 0.04])
    static let baseQuantity = WeightedChoice(integers: [1: 0.72, 2: 0.18, 3: 0.07, 4: 0.03])
    static let lineDiscount = WeightedChoice(integers: [0: 0.75, 5: 0.08, 10: 0.08, 15: 0.05, 20: 0.03, 25: 0.01])
    static let paymentMethod = WeightedChoice([
        "credit_card": 0.38, "debit_card": 0.20, "paypal": 0.18, "bank_transfer": 0.12, "apple_pay": 0.08, "invoice": 0.04,
    ])
    static let enterprisePaymentMethod = WeightedChoice(["bank_transfer": 0.5, "invoice": 0.5])

    static let ticketCategory = WeightedChoice([
        "question": 0.28, "complaint": 0.18, "return_request": 0.14, "shipping": 0.16, "technical_issue": 0.12, "refund": 0.12,
    ])
    static let ticketPriority = WeightedChoice(["low": 0.38, "medium": 0.35, "high": 0.20, "critical": 0.07])
    static let ticketChannel = WeightedChoice(["email": 0.45, "chat": 0.30, "phone": 0.15, "web_form": 0.10])
    static let happyScore = WeightedChoice(integers: [5: 0.45, 4: 0.30, 3: 0.12, 2: 0.07, 1: 0.06])
    static let unhappyScore = WeightedChoice(integers: [5: 0.20, 4: 0.25, 3: 0.20, 2: 0.17, 1: 0.18])

    /// Month-of-year seasonality (January first), day-of-week weights (Monday first) and hour-of-day weights.
    static let seasonality = [0.70, 0.75, 0.85, 0.90, 0.95, 1.00, 0.90, 0.85, 1.00, 1.10, 1.30, 1.50]
    static let dayOfWeek = [1.0, 1.0, 1.0, 1.05, 1.15, 0.80, 0.60]
    static let hourOfDay = [
        0.15, 0.08, 0.05, 0.05, 0.05, 0.10, 0.25, 0.50, 0.80, 1.10, 1.40, 1.50,
        1.50, 1.50, 1.40, 1.25, 1.15, 1.05, 1.00, 1.05, 1.10, 0.95, 0.65, 0.35,
    ]
}
