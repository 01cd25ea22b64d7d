"""Testing the support bot with the fake_openai fixture: no network, no key, same result every run."""

import openai
import pytest

import support_bot


def test_a_ticket_keeps_the_whole_conversation(fake_openai):
    ticket = support_bot.open_ticket("ada", "My order has not arrived.")
    support_bot.add_detail(ticket, "Order number 1234.")

    assert support_bot.transcript(ticket) == ["My order has not arrived.", "Order number 1234."]
    assert fake_openai.state.threads[ticket].thread["metadata"] == {"customer": "ada"}


def test_a_closed_ticket_is_gone(fake_openai):
    ticket = support_bot.open_ticket("bob", "Where is my refund?")

    assert support_bot.close_ticket(ticket)
    with pytest.raises(openai.NotFoundError):
        support_bot.transcript(ticket)


def test_metadata_the_real_api_would_refuse_is_refused(fake_openai):
    with pytest.raises(openai.BadRequestError, match="string too long"):
        support_bot.open_ticket("x" * 600, "hi")
