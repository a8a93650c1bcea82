from monitor.dedup import MIN_WORDS, same_story, similarity, sketch

STORY = (
    "Russia hosted Taliban leaders for talks on regional security on Friday as it seeks "
    "to forge ties with Afghanistan's new rulers and assert itself as a major power in the "
    "region. Since U.S. forces pulled out of Kabul in August 2021, Russia and China have "
    "taken advantage of the vacuum, holding talks with the Taliban despite deep ideological "
    "and historical rifts. The foreign minister said in a written greeting to participants "
    "of the talks, held in the city of Kazan, that Moscow would continue to develop contacts "
    "with Afghanistan. The Taliban seized control of the country shortly after U.S. troops "
    "left, imposing a strict interpretation of Sharia law and cracking down on women's rights."
)
OTHER = (
    "Forecasters expect heavy snow across the capital region from Tuesday night, with up to "
    "thirty centimetres in places and temperatures falling well below freezing. City services "
    "said snowploughs would work around the clock and urged drivers to leave their cars at home. "
    "Schools will decide on Wednesday morning whether to stay open, the education department "
    "said, while airports warned of delays and cancellations. The last storm of this size hit "
    "the region four years ago and closed the main roads for two days, officials recalled."
)


def test_short_texts_have_no_sketch() -> None:
    assert sketch("Taliban talks in Kazan.") is None
    assert sketch(" ".join(["word"] * (MIN_WORDS - 1))) is None


def test_a_syndicated_copy_with_a_note_and_a_cut_is_the_same_story() -> None:
    original = sketch(STORY)
    edited = sketch(
        "This story was first published by Reuters. " + STORY.rsplit(". The Taliban", 1)[0]
    )
    assert original is not None
    assert edited is not None
    assert same_story(original, edited)


def test_case_and_punctuation_do_not_matter() -> None:
    a, b = sketch(STORY), sketch(STORY.upper().replace(",", ""))
    assert a is not None
    assert b is not None
    assert similarity(a, b) == 1.0


def test_different_stories_are_different() -> None:
    a, b = sketch(STORY), sketch(OTHER)
    assert a is not None
    assert b is not None
    assert similarity(a, b) < 0.1
    assert not same_story(a, b)
