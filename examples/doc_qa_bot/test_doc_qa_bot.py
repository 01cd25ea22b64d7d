"""Testing a file_search bot: fakeai ingests and searches the real documents, and plays the model.

With nothing scripted, a run of an assistant that has file_search searches its vector stores for
the user's words and replies citing every file it found. A script sets the search results and the
reply instead.
"""

from pathlib import Path

import pytest

import doc_qa_bot

HERE = Path(__file__).parent
DOCUMENTS = [HERE / "returns_policy.txt", HERE / "shipping_faq.txt"]
#: Without this, the results of a file_search step come without the text they matched.
WITH_CONTENT = ["step_details.tool_calls[*].file_search.results[*].content"]


def uploaded_file_id(fake_openai, filename: str) -> str:
    [file] = [file for file in fake_openai.client.files.list(purpose="assistants") if file.filename == filename]
    return file.id


def file_search_results(fake_openai, answer: doc_qa_bot.Answer) -> list:
    """The results of the run's file_search step, with the text each one matched."""
    steps = fake_openai.client.beta.threads.runs.steps.list(answer.run_id, thread_id=answer.thread_id,
                                                            include=WITH_CONTENT)
    [search] = [call for step in steps if step.type == "tool_calls"
                for call in step.step_details.tool_calls if call.type == "file_search"]
    return search.file_search.results


# Each question's words are all in one document and none in the other.
@pytest.mark.parametrize("question, filename, passage", [
    ("Refund for unworn garments?", "returns_policy.txt", "Unworn garments may be returned within 30 days"),
    ("Which courier delivers overseas orders?", "shipping_faq.txt", "overseas orders with GlobalExpress"),
])
def test_the_answer_comes_from_the_document_that_holds_the_question_words(fake_openai, question, filename,
                                                                          passage):
    assistant = doc_qa_bot.build_knowledge_base(DOCUMENTS)
    expected = uploaded_file_id(fake_openai, filename)

    answer = doc_qa_bot.ask(assistant, question)

    results = file_search_results(fake_openai, answer)
    assert [result.file_id for result in results] == [expected]
    assert results[0].file_name == filename
    assert passage in results[0].content[0].text
    assert answer.cited_file_ids == [expected]


def test_a_question_no_document_answers_cites_nothing(fake_openai):
    assistant = doc_qa_bot.build_knowledge_base(DOCUMENTS)

    answer = doc_qa_bot.ask(assistant, "Any student discount?")

    assert file_search_results(fake_openai, answer) == []
    assert answer.cited_file_ids == []
    assert answer.text == "This is fakeai's default reply to: Any student discount?"


def test_a_scripted_search_and_reply_are_what_the_bot_reads(fake_openai):
    assistant = doc_qa_bot.build_knowledge_base(DOCUMENTS)
    returns = uploaded_file_id(fake_openai, "returns_policy.txt")
    fake_openai.script.search_files(
        {"file_id": returns, "score": 0.87, "content": "Swimwear, earrings and gift cards cannot be returned."},
        assistant_id=assistant,
    ).then_reply("No: earrings cannot be returned.【4:0†source】",
                 annotations=[{"type": "file_citation", "text": "【4:0†source】", "file_id": returns}])

    answer = doc_qa_bot.ask(assistant, "Can I send back earrings?")

    assert answer.text == "No: earrings cannot be returned.【4:0†source】"
    assert answer.cited_file_ids == [returns]
    [result] = file_search_results(fake_openai, answer)
    assert (result.file_id, result.file_name, result.score) == (returns, "returns_policy.txt", 0.87)
