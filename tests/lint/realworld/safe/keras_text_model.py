# TensorFlow/Keras sentiment model with a saved tokenizer.
import json
import os

import joblib
import numpy as np
import tensorflow as tf
from tensorflow.keras.preprocessing.sequence import pad_sequences

MAX_LEN = 100


def init():
    global model, tokenizer
    base = os.environ["AZUREML_MODEL_DIR"]
    model = tf.keras.models.load_model(os.path.join(base, "sentiment.keras"))
    tokenizer = joblib.load(os.path.join(base, "tokenizer.joblib"))


def run(data):
    texts = json.loads(data)["texts"]
    sequences = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=MAX_LEN)
    scores = model.predict(sequences, verbose=0)
    return {"scores": np.round(scores[:, 0], 4).tolist()}
