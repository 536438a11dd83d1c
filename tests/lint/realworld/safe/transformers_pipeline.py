# Hugging Face model saved with save_pretrained and registered as a folder.
import json
import os

from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline


def init():
    global classifier
    model_dir = os.path.join(os.environ["AZUREML_MODEL_DIR"], "distilbert")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)


def run(raw_data):
    inputs = json.loads(raw_data)["inputs"]
    return classifier(inputs, truncation=True)
